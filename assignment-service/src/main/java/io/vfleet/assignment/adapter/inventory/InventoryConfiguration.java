package io.vfleet.assignment.adapter.inventory;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.retry.Backoff;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.tls.FleetTransport;
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

    /** Only to a server whose certificate is the inventory's, over mutual TLS. */
    @Bean(destroyMethod = "shutdownNow")
    ManagedChannel inventoryChannel(InventoryProperties properties, FleetTransport transport) {
        return transport.dial(properties.target(), CertificateIdentity.INVENTORY);
    }

    /** The controller's certificate is its credential at the inventory; without TLS (the local stack), its token. */
    @Bean(initMethod = "start", destroyMethod = "stop")
    InventoryFeed inventoryFeed(ManagedChannel inventoryChannel, InventoryProperties properties, Topologies topologies,
            ReconcileFleet reconcile, FleetTransport transport) {
        InventoryGrpc.InventoryBlockingStub inventory = InventoryGrpc.newBlockingStub(inventoryChannel);
        if (transport.identity().isEmpty()) {
            inventory = authenticated(inventory, properties.token());
        } else if (properties.token() != null && !properties.token().isBlank()) {
            throw new IllegalStateException("vfleet.inventory.token is set beside a TLS identity: the inventory knows this "
                    + "service by its certificate; the token is for the local stack without TLS only");
        }
        return new InventoryFeed(inventory, topologies, reconcile, new Backoff(properties.retryFirst(), properties.retryLongest()));
    }

    static InventoryGrpc.InventoryBlockingStub authenticated(InventoryGrpc.InventoryBlockingStub stub, String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalStateException("vfleet.inventory.target is set but neither a TLS identity (vfleet.tls.directory) "
                    + "nor vfleet.inventory.token is: the inventory's watch is for the controller's certificate, or in the "
                    + "local stack without TLS its token");
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
}
