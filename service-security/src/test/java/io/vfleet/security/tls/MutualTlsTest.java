package io.vfleet.security.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials.ClientAuth;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.vfleet.pki.Validity;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.grpc.CallerInterceptor;
import io.vfleet.testsupport.pki.TestPki;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet's mutual TLS between a real gRPC server and real clients on the loopback: who gets through
 * the handshake, what the server learns of its peer, and a rotation of both ends' certificates.
 */
class MutualTlsTest {
    private static final String NODE_A = CertificateIdentity.nodeUri("gpu-a");
    private static final String NODE_B = CertificateIdentity.nodeUri("gpu-b");
    private static final String CONTROLLER = CertificateIdentity.controllerUri();

    private final TestPki pki = TestPki.create();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicReference<X509Certificate> lastPeer = new AtomicReference<>();

    @TempDir
    Path directory;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable resource : closing.reversed()) {
            resource.close();
        }
    }

    @Test
    void theControllerReachesANodeAndTheNodeLearnsItsIdentityFromTheCertificate() {
        int port = serve(identity("agent", NODE_A), ClientAuth.REQUIRE);

        call(dial(identity("controller", CONTROLLER), port, NODE_A));

        assertThat(CertificateIdentity.uris(lastPeer.get())).containsExactly(CONTROLLER);
    }

    @Test
    void aClientWithoutACertificateIsRefusedWhereOneIsRequired() {
        int port = serve(identity("inventory", CertificateIdentity.serviceUri("inventory")), ClientAuth.REQUIRE);
        TlsIdentity anonymous = identity("anonymous", NODE_A);
        ManagedChannel channel = track(Grpc.newChannelBuilder("127.0.0.1:" + port, io.grpc.TlsChannelCredentials.newBuilder()
                .trustManager(anonymous.serverVerifier(CertificateIdentity.serviceUri("inventory"))).build()).build());

        assertThatThrownBy(() -> call(channel)).isInstanceOfSatisfying(StatusRuntimeException.class,
                refused -> assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(lastPeer.get()).isNull();
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefused() {
        int port = serve(identity("agent", NODE_A), ClientAuth.REQUIRE);
        TlsIdentity intruder = TlsIdentity.load(TlsFiles.in(pki.issueFromAnotherAuthority(directory.resolve("intruder"), CONTROLLER)));

        assertThatThrownBy(() -> call(dial(intruder, port, NODE_A))).isInstanceOfSatisfying(StatusRuntimeException.class,
                refused -> assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(lastPeer.get()).isNull();
    }

    @Test
    void anExpiredCertificateIsRefused() {
        int port = serve(identity("agent", NODE_A), ClientAuth.REQUIRE);
        TlsIdentity expired = TlsIdentity.load(TlsFiles.in(pki.issue(directory.resolve("expired"), CONTROLLER,
                Validity.endedAgo(Duration.ofHours(1)))));

        assertThatThrownBy(() -> call(dial(expired, port, NODE_A))).isInstanceOfSatisfying(StatusRuntimeException.class,
                refused -> assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(lastPeer.get()).isNull();
    }

    @Test
    void aClientExpectingNodeBRefusesTheServerOfNodeA() {
        int port = serve(identity("agent", NODE_A), ClientAuth.REQUIRE);

        assertThatThrownBy(() -> call(dial(identity("controller", CONTROLLER), port, NODE_B)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, refused -> {
                    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(causes(refused)).anySatisfy(message -> assertThat(message)
                            .contains("names [" + NODE_A + "], not " + NODE_B));
                });
        assertThat(lastPeer.get()).isNull();
    }

    @Test
    void anOptionalClientCertificateMayBeAbsentButIsCheckedWhenPresent() {
        int port = serve(identity("agent", NODE_A), ClientAuth.OPTIONAL);
        TlsIdentity anonymous = identity("anonymous", NODE_B);
        ManagedChannel withoutCertificate = track(Grpc.newChannelBuilder("127.0.0.1:" + port, io.grpc.TlsChannelCredentials
                .newBuilder().trustManager(anonymous.serverVerifier(NODE_A)).build()).build());
        TlsIdentity intruder = TlsIdentity.load(TlsFiles.in(pki.issueFromAnotherAuthority(directory.resolve("intruder"), CONTROLLER)));

        call(withoutCertificate);

        assertThat(lastPeer.get()).isNull();
        assertThatThrownBy(() -> call(dial(intruder, port, NODE_A))).isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void rotatedCertificatesServeNewConnectionsWhileOpenOnesGoOn() {
        Path serverFiles = pki.issue(directory.resolve("agent"), NODE_A);
        TlsIdentity server = track(TlsIdentity.load(TlsFiles.in(serverFiles)));
        int port = serve(server, ClientAuth.REQUIRE);
        Path clientFiles = pki.issue(directory.resolve("controller"), CONTROLLER);
        TlsIdentity client = track(TlsIdentity.load(TlsFiles.in(clientFiles)));
        ManagedChannel open = dial(client, port, NODE_A);
        call(open);
        BigInteger firstClientSerial = lastPeer.get().getSerialNumber();
        BigInteger firstServerSerial = server.certificate().getSerialNumber();

        pki.issue(serverFiles, NODE_A);
        pki.issue(clientFiles, CONTROLLER);
        assertThat(server.reload()).isTrue();
        assertThat(client.reload()).isTrue();
        assertThat(client.reload()).as("the same files again are no rotation").isFalse();

        call(open);
        assertThat(lastPeer.get().getSerialNumber()).as("an open connection keeps its handshake").isEqualTo(firstClientSerial);
        call(dial(client, port, NODE_A));
        assertThat(lastPeer.get().getSerialNumber()).isNotEqualTo(firstClientSerial).isEqualTo(client.certificate().getSerialNumber());
        assertThat(server.certificate().getSerialNumber()).isNotEqualTo(firstServerSerial);
    }

    @Test
    void aRotationHalfDoneIsNotTakenAndTheIdentityInUseStays() throws Exception {
        Path files = pki.issue(directory.resolve("agent"), NODE_A);
        TlsIdentity identity = track(TlsIdentity.load(TlsFiles.in(files)));
        BigInteger serial = identity.certificate().getSerialNumber();
        Path other = pki.issue(directory.resolve("other"), NODE_A);

        java.nio.file.Files.copy(other.resolve(TlsFiles.CERTIFICATE), files.resolve(TlsFiles.CERTIFICATE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(identity.reload()).isFalse();
        assertThat(identity.certificate().getSerialNumber()).isEqualTo(serial);
        java.nio.file.Files.copy(other.resolve(TlsFiles.PRIVATE_KEY), files.resolve(TlsFiles.PRIVATE_KEY),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(identity.reload()).isTrue();
        assertThat(identity.certificate().getSerialNumber()).isNotEqualTo(serial);
    }

    @Test
    void filesThatMakeNoIdentityStopTheProcessNamingTheFile() throws Exception {
        Path files = pki.issue(directory.resolve("agent"), NODE_A);
        java.nio.file.Files.delete(files.resolve(TlsFiles.AUTHORITIES));

        assertThatThrownBy(() -> TlsIdentity.load(TlsFiles.in(files))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(files.resolve(TlsFiles.AUTHORITIES) + ": no such file");
    }

    private TlsIdentity identity(String name, String uri) {
        return track(TlsIdentity.load(TlsFiles.in(pki.issue(directory.resolve(name), uri))));
    }

    private int serve(TlsIdentity identity, ClientAuth clientAuth) {
        ServerInterceptor recordPeer = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                CallerInterceptor.peerCertificate(call).ifPresent(lastPeer::set);
                return next.startCall(call, headers);
            }
        };
        try {
            Server server = Grpc.newServerBuilderForPort(0, FleetTransport.tls(identity).serverCredentials(clientAuth))
                    .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), recordPeer))
                    .build().start();
            closing.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
            return server.getPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ManagedChannel dial(TlsIdentity identity, int port, String expected) {
        return track(FleetTransport.tls(identity).dial("127.0.0.1:" + port, expected));
    }

    private static void call(ManagedChannel channel) {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    }

    private ManagedChannel track(ManagedChannel channel) {
        closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return channel;
    }

    private TlsIdentity track(TlsIdentity identity) {
        closing.add(identity);
        return identity;
    }

    private static List<String> causes(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return messages;
    }
}
