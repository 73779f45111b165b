package io.vfleet.assignment.adapter.inventory;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the inventory is ({@code vfleet.inventory.target}, {@code host:port}; without it the
 * topology copy is written only by whoever else writes it), the orchestrator or operator token its
 * ListAndWatch needs, and how long to wait between attempts to reach it.
 */
@ConfigurationProperties("vfleet.inventory")
record InventoryProperties(String target, String token, Duration retryFirst, Duration retryLongest) {

    InventoryProperties {
        retryFirst = retryFirst == null ? Duration.ofSeconds(1) : retryFirst;
        retryLongest = retryLongest == null ? Duration.ofSeconds(30) : retryLongest;
    }
}
