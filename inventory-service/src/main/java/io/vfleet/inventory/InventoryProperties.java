package io.vfleet.inventory;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The service's settings ({@code vfleet.inventory.*}).
 *
 * @param heartbeatTimeout   a node not heard from for this long becomes unreachable
 * @param changeLogRetention changes older than this are trimmed; a watcher further behind must list again
 * @param maxDevices         devices one registration may hold
 * @param maxTextLength      characters in any one name or string of a registration
 */
@ConfigurationProperties("vfleet.inventory")
public record InventoryProperties(
        @DefaultValue("30s") Duration heartbeatTimeout,
        @DefaultValue("1h") Duration changeLogRetention,
        @DefaultValue("1024") int maxDevices,
        @DefaultValue("255") int maxTextLength) {
}
