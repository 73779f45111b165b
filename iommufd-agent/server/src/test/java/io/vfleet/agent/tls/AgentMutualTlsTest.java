package io.vfleet.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.StatusProto;
import io.vfleet.agent.AgentApplication;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.pki.Validity;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.tls.TlsFiles;
import io.vfleet.security.tls.TlsIdentity;
import io.vfleet.testsupport.pki.TestPki;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The agent as it runs in a fleet, outside the local profile: gRPC over TLS with the node's certificate,
 * OAuth2 access tokens for people, and the controller known by its certificate alone. Who gets through,
 * who is refused at the handshake, and certificates rotating under load without a failed call.
 */
class AgentMutualTlsTest {
    private static final String NODE = "gpu-server-01";
    private static final TestPki PKI = TestPki.create();
    @TempDir
    static Path directory;
    private static ConfigurableApplicationContext agent;
    private static String target;
    private static TlsIdentity controller;

    @BeforeAll
    static void start() throws Exception {
        agent = SpringApplication.run(AgentApplication.class, arguments(PKI.issue(directory.resolve("agent"), CertificateIdentity.nodeUri(NODE))));
        target = "127.0.0.1:" + agent.getBean(Environment.class).getRequiredProperty("local.grpc.server.port", Integer.class);
        controller = TlsIdentity.load(TlsFiles.in(PKI.issue(directory.resolve("controller"), CertificateIdentity.controllerUri())));
    }

    @AfterAll
    static void stop() {
        controller.close();
        agent.close();
    }

    @Test
    void theControllersCertificateIsItsCredentialForNodeAgent() {
        ManagedChannel channel = dial(controller, CertificateIdentity.nodeUri(NODE));
        try {
            assertThat(NodeAgentGrpc.newBlockingStub(channel).getTopology(GetTopologyRequest.getDefaultInstance()).getHostname())
                    .isEqualTo(NODE);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void withoutAClientCertificateNodeAgentIsUnauthenticated() {
        ManagedChannel channel = Grpc.newChannelBuilder(target, TlsChannelCredentials.newBuilder()
                .trustManager(controller.serverVerifier(CertificateIdentity.nodeUri(NODE))).build()).build();
        try {
            assertRefused(catchThrowableOfType(StatusRuntimeException.class, () -> listPrepared(channel)),
                    Status.Code.UNAUTHENTICATED);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void anotherNodesAgentMayNotDriveThisNode() {
        try (TlsIdentity otherNode = identity("other-node", CertificateIdentity.nodeUri("gpu-server-02"))) {
            ManagedChannel channel = dial(otherNode, CertificateIdentity.nodeUri(NODE));
            try {
                assertRefused(catchThrowableOfType(StatusRuntimeException.class, () -> listPrepared(channel)),
                        Status.Code.PERMISSION_DENIED);
            } finally {
                channel.shutdownNow();
            }
        }
    }

    @Test
    void aCertificateFromAnotherAuthorityOrAnExpiredOneIsRefusedAtTheHandshake() {
        try (TlsIdentity foreign = TlsIdentity.load(TlsFiles.in(PKI.issueFromAnotherAuthority(directory.resolve("foreign"),
                CertificateIdentity.controllerUri())));
                TlsIdentity expired = TlsIdentity.load(TlsFiles.in(PKI.issue(directory.resolve("expired"),
                        CertificateIdentity.controllerUri(), Validity.endedAgo(Duration.ofMinutes(5)))))) {
            for (TlsIdentity refused : List.of(foreign, expired)) {
                ManagedChannel channel = dial(refused, CertificateIdentity.nodeUri(NODE));
                try {
                    assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> listPrepared(channel)).getStatus().getCode())
                            .isEqualTo(Status.Code.UNAVAILABLE);
                } finally {
                    channel.shutdownNow();
                }
            }
        }
    }

    @Test
    void theControllerDoesNotUseThisAgentWhenItExpectsAnotherNode() {
        ManagedChannel channel = dial(controller, CertificateIdentity.nodeUri("gpu-server-02"));
        try {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> listPrepared(channel));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(causes(refused)).anySatisfy(message -> assertThat(message)
                    .contains("names [" + CertificateIdentity.nodeUri(NODE) + "], not " + CertificateIdentity.nodeUri("gpu-server-02")));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void plaintextIsNotServed() {
        ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
        try {
            assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> listPrepared(channel)).getStatus().getCode())
                    .isEqualTo(Status.Code.UNAVAILABLE);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * Four callers open a connection every few calls (so that handshakes happen throughout) while both the
     * agent's files (picked up by its 100 ms reload) and the controller's are replaced five times; every
     * call succeeds, and connections opened after each rotation see the agent's new certificate.
     */
    @Test
    void certificatesRotateUnderLoadWithoutAFailedCall() throws Exception {
        Path controllerFiles = PKI.issue(directory.resolve("rotating-controller"), CertificateIdentity.controllerUri());
        try (TlsIdentity rotating = TlsIdentity.load(TlsFiles.in(controllerFiles))) {
            Set<BigInteger> serversSeen = ConcurrentHashMap.newKeySet();
            List<Throwable> failures = new ArrayList<>();
            AtomicInteger calls = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> callers = new ArrayList<>();
            for (int index = 0; index < 4; index++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    while (running.get()) {
                        ManagedChannel channel = dial(rotating, CertificateIdentity.nodeUri(NODE));
                        try {
                            Channel observed = io.grpc.ClientInterceptors.intercept(channel, serverCertificates(serversSeen));
                            for (int call = 0; call < 5; call++) {
                                NodeAgentGrpc.newBlockingStub(observed).withDeadlineAfter(10, TimeUnit.SECONDS)
                                        .listPrepared(ListPreparedRequest.getDefaultInstance());
                                calls.incrementAndGet();
                            }
                        } catch (RuntimeException failed) {
                            synchronized (failures) {
                                failures.add(failed);
                            }
                        } finally {
                            channel.shutdownNow();
                        }
                    }
                }));
            }
            TlsIdentity served = agent.getBean(TlsIdentity.class);
            List<BigInteger> rotatedTo = new ArrayList<>();
            for (int rotation = 0; rotation < 5; rotation++) {
                int before = calls.get();
                PKI.issue(directory.resolve("agent"), CertificateIdentity.nodeUri(NODE));
                PKI.issue(controllerFiles, CertificateIdentity.controllerUri());
                assertThat(rotating.reload()).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                BigInteger expected = currentSerial(directory.resolve("agent"));
                while (!served.certificate().getSerialNumber().equals(expected) || calls.get() < before + 20) {
                    assertThat(System.nanoTime()).as("the agent takes its new certificate and calls go on").isLessThan(deadline);
                    Thread.sleep(20);
                }
                rotatedTo.add(expected);
                int after = calls.get();
                while (calls.get() < after + 20) {
                    assertThat(System.nanoTime()).as("calls go on under the new certificate").isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
            running.set(false);
            for (Thread caller : callers) {
                caller.join();
            }

            assertThat(failures).isEmpty();
            assertThat(calls.get()).isGreaterThan(200);
            assertThat(serversSeen).contains(rotatedTo.getLast());
        }
    }

    @Test
    void anAgentWhoseCertificateNamesAnotherNodeDoesNotStart() {
        Path wrong = PKI.issue(directory.resolve("wrong-node"), CertificateIdentity.nodeUri("gpu-server-02"));

        assertThatThrownBy(() -> SpringApplication.run(AgentApplication.class, arguments(wrong)).close())
                .rootCause().hasMessageContaining("names [" + CertificateIdentity.nodeUri("gpu-server-02") + "]")
                .hasMessageContaining("must name " + CertificateIdentity.nodeUri(NODE));
    }

    @Test
    void anAgentWithoutATlsIdentityOutsideTheLocalProfileDoesNotStart() throws Exception {
        List<String> withoutTls = new ArrayList<>(List.of(arguments(directory)));
        withoutTls.removeIf(argument -> argument.startsWith("--vfleet.tls."));

        assertThatThrownBy(() -> SpringApplication.run(AgentApplication.class, withoutTls.toArray(String[]::new)).close())
                .rootCause().hasMessageStartingWith("No TLS identity is configured").hasMessageContaining("vfleet.tls.directory");
    }

    @Test
    void anAgentWithoutAuthenticationDoesNotStart() {
        List<String> withoutJwt = new ArrayList<>(List.of(arguments(directory.resolve("agent"))));
        withoutJwt.removeIf(argument -> argument.startsWith("--vfleet.security."));

        assertThatThrownBy(() -> SpringApplication.run(AgentApplication.class, withoutJwt.toArray(String[]::new)).close())
                .rootCause().hasMessageStartingWith("No authentication is configured");
    }

    private static String[] arguments(Path tls) {
        try {
            return new String[] {"--topology=" + shipped("gpu-server-8x"),
                "--state-dir=" + Files.createTempDirectory(directory, "state"), "--grpc-port=0", "--http-port=0",
                "--spring.grpc.server.address=127.0.0.1", "--vfleet.tls.directory=" + tls, "--vfleet.tls.reload-interval=100ms",
                // Access tokens for people; the issuer's keys are fetched only when a token arrives, and none does here.
                "--vfleet.security.jwt.jwk-set-uri=http://127.0.0.1:9/jwks.json", "--vfleet.security.jwt.audiences=vfleet"};
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path shipped(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/topologies/" + name + ".yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shipped topology " + name);
    }

    private static TlsIdentity identity(String name, String uri) {
        return TlsIdentity.load(TlsFiles.in(PKI.issue(directory.resolve(name), uri)));
    }

    private static ManagedChannel dial(TlsIdentity identity, String expected) {
        return FleetTransport.tls(identity).dial(target, expected);
    }

    private static void listPrepared(Channel channel) {
        NodeAgentGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).listPrepared(ListPreparedRequest.getDefaultInstance());
    }

    private static BigInteger currentSerial(Path files) {
        try (TlsIdentity reading = TlsIdentity.load(TlsFiles.in(files))) {
            return reading.certificate().getSerialNumber();
        }
    }

    /** Notes the serial of the certificate the server presented on each call's connection. */
    private static ClientInterceptor serverCertificates(Set<BigInteger> seen) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                ClientCall<Q, R> call = next.newCall(method, options);
                return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(Metadata received) {
                                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                                try {
                                    seen.add(((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber());
                                } catch (javax.net.ssl.SSLPeerUnverifiedException impossible) {
                                    throw new AssertionError(impossible);
                                }
                                super.onHeaders(received);
                            }
                        }, headers);
                    }
                };
            }
        };
    }

    private static void assertRefused(StatusRuntimeException refused, Status.Code code) {
        assertThat(refused.getStatus().getCode()).isEqualTo(code);
        assertThat(StatusProto.fromThrowable(refused)).isNotNull();
    }

    private static List<String> causes(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return messages;
    }
}
