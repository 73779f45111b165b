package io.vfleet.inventory;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The inventory service: nodes, devices, IOMMU groups and reset sets, fed by the agents. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class InventoryApplication {

    public static void main(String[] arguments) {
        SpringApplication.run(InventoryApplication.class, arguments);
    }
}
