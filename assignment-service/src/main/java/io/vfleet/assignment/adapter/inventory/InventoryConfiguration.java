package io.vfleet.assignment.adapter.inventory;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.retry.Backoff;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The inventory feed, when {@code vfleet.inventory.target} names an inventory. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(InventoryProperties.class)
@ConditionalOnProperty(prefix = "vfleet.inventory", name = "target")
class InventoryConfiguration {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Bean(destroyMethod = "shutdownNow")
    ManagedChannel inventoryChannel(InventoryProperties properties) {
        return ManagedChannelBuilder.forTarget(properties.target()).usePlaintext().build();
    }

    @Bean(initMethod = "start", destroyMethod = "stop")
    InventoryFeed inventoryFeed(ManagedChannel inventoryChannel, InventoryProperties properties, Topologies topologies,
            ReconcileFleet reconcile) {
        return new InventoryFeed(authenticated(InventoryGrpc.newBlockingStub(inventoryChannel), properties.token()),
                topologies, reconcile, new Backoff(properties.retryFirst(), properties.retryLongest()));
    }

    static InventoryGrpc.InventoryBlockingStub authenticated(InventoryGrpc.InventoryBlockingStub stub, String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("vfleet.inventory.token is required with vfleet.inventory.target");
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
