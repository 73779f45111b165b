package io.vfleet.inventory.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.inventory.support.InventoryTest;
import io.vfleet.pki.Validity;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.tls.TlsFiles;
import io.vfleet.security.tls.TlsIdentity;
import io.vfleet.testsupport.pki.TestPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The inventory's gRPC over mutual TLS, its own certificate naming the inventory: a node's registration
 * and heartbeats are taken from that node's certificate alone, and a client without a certificate of the
 * fleet's authority does not get past the handshake.
 */
class InventoryMutualTlsTest extends InventoryTest {
    private static final TestPki PKI = TestPki.create();
    private static final Path DIRECTORY = temporaryDirectory();

    private final List<AutoCloseable> closing = new ArrayList<>();

    @Value("${local.grpc.server.port}")
    int port;

    @DynamicPropertySource
    static void tls(DynamicPropertyRegistry registry) {
        registry.add("vfleet.tls.directory", () -> PKI.issue(DIRECTORY.resolve("inventory"), CertificateIdentity.INVENTORY));
        // Properties a test adds come after the environment is prepared, so the bundle is named here as well.
        registry.add("spring.grpc.server.ssl.bundle", () -> "vfleet");
        registry.add("spring.grpc.server.address", () -> "127.0.0.1");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : closing.reversed()) {
            resource.close();
        }
    }

    @Test
    void aNodeRegistersAndHeartbeatsWithItsOwnCertificate(TestInfo test) {
        String node = nodeName(test);
        InventoryGrpc.InventoryBlockingStub agent = inventory(CertificateIdentity.nodeUri(node));

        assertThat(agent.register(InventoryGrpcTest.registration(node, 2)).getChanges()).isPositive();
        agent.heartbeat(HeartbeatRequest.newBuilder().setNodeName(node).build());
    }

    @Test
    void nodeAsCertificateNeitherRegistersNorHeartbeatsNodeB(TestInfo test) {
        String nodeA = nodeName(test);
        String nodeB = nodeName(test);
        InventoryGrpc.InventoryBlockingStub agentOfA = inventory(CertificateIdentity.nodeUri(nodeA));
        inventory(CertificateIdentity.nodeUri(nodeB)).register(InventoryGrpcTest.registration(nodeB, 1));

        StatusRuntimeException register = catchThrowableOfType(StatusRuntimeException.class,
                () -> agentOfA.register(InventoryGrpcTest.registration(nodeB, 3)));
        StatusRuntimeException heartbeat = catchThrowableOfType(StatusRuntimeException.class,
                () -> agentOfA.heartbeat(HeartbeatRequest.newBuilder().setNodeName(nodeB).build()));

        for (StatusRuntimeException refused : List.of(register, heartbeat)) {
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(StatusProto.fromThrowable(refused).getMessage()).contains("agent of node '" + nodeA + "'")
                    .contains("may not act for node '" + nodeB + "'");
        }
    }

    @Test
    void theControllersCertificateFollowsTheInventoryAndAnAgentsDoesNot(TestInfo test) {
        var controller = inventory(CertificateIdentity.controllerUri());
        var agent = inventory(CertificateIdentity.nodeUri(nodeName(test)));

        assertThat(controller.listAndWatch(ListAndWatchRequest.getDefaultInstance()).next().getEventCase())
                .isIn(io.vfleet.api.inventory.v1.ListAndWatchResponse.EventCase.LIST_CHUNK, io.vfleet.api.inventory.v1.ListAndWatchResponse.EventCase.SYNCED);
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> agent.listAndWatch(ListAndWatchRequest.getDefaultInstance()).next());
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aClientWithoutACertificateWithAnotherAuthoritysOrAnExpiredOneIsRefusedAtTheHandshake(TestInfo test) {
        String node = nodeName(test);
        TlsIdentity trusting = track(TlsIdentity.load(TlsFiles.in(PKI.issue(DIRECTORY.resolve("trusting"), CertificateIdentity.nodeUri(node)))));
        ManagedChannel anonymous = track(Grpc.newChannelBuilder("127.0.0.1:" + port, TlsChannelCredentials.newBuilder()
                .trustManager(trusting.serverVerifier(CertificateIdentity.INVENTORY)).build()).build());
        TlsIdentity foreign = track(TlsIdentity.load(TlsFiles.in(PKI.issueFromAnotherAuthority(DIRECTORY.resolve("foreign"),
                CertificateIdentity.nodeUri(node)))));
        TlsIdentity expired = track(TlsIdentity.load(TlsFiles.in(PKI.issue(DIRECTORY.resolve("expired"),
                CertificateIdentity.nodeUri(node), Validity.endedAgo(Duration.ofMinutes(5))))));

        for (ManagedChannel channel : List.of(anonymous,
                track(FleetTransport.tls(foreign).dial("127.0.0.1:" + port, CertificateIdentity.INVENTORY)),
                track(FleetTransport.tls(expired).dial("127.0.0.1:" + port, CertificateIdentity.INVENTORY)))) {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> InventoryGrpc
                    .newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).register(InventoryGrpcTest.registration(node, 1)));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
    }

    private InventoryGrpc.InventoryBlockingStub inventory(String identity) {
        String name = identity.substring(identity.lastIndexOf('/') + 1);
        TlsIdentity client = track(TlsIdentity.load(TlsFiles.in(PKI.issue(DIRECTORY.resolve(name), identity))));
        ManagedChannel channel = track(FleetTransport.tls(client).dial("127.0.0.1:" + port, CertificateIdentity.INVENTORY));
        return InventoryGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private <T extends AutoCloseable> T track(T resource) {
        closing.add(resource);
        return resource;
    }

    private ManagedChannel track(ManagedChannel channel) {
        closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("inventory-tls");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
