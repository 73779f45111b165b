package io.vfleet.agent.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.vfleet.agent.TestAgent;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.HeartbeatResponse;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.IommuGroup;
import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.api.inventory.v1.RegisterResponse;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's registration as the inventory receives it, against a hand-written inventory on an in-process server. */
class GrpcInventoryRegistrationTest {
    /** Records what it is sent and the bearer token each call carried; refuses calls without the expected one. */
    static final class RecordingInventory extends InventoryGrpc.InventoryImplBase {
        static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        static final io.grpc.Context.Key<String> TOKEN = io.grpc.Context.key("token");
        final List<RegisterRequest> registrations = new CopyOnWriteArrayList<>();
        final List<String> heartbeats = new CopyOnWriteArrayList<>();

        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
            if (!"Bearer node-token".equals(TOKEN.get())) {
                response.onError(Status.UNAUTHENTICATED.asRuntimeException());
                return;
            }
            registrations.add(request);
            response.onNext(RegisterResponse.newBuilder().setRevision(registrations.size()).build());
            response.onCompleted();
        }

        @Override
        public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
            heartbeats.add(request.getNodeName());
            response.onNext(HeartbeatResponse.getDefaultInstance());
            response.onCompleted();
        }

        ServerInterceptor tokenReader() {
            return new ServerInterceptor() {
                @Override
                public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, Metadata headers,
                        io.grpc.ServerCallHandler<Q, A> next) {
                    return Contexts.interceptCall(io.grpc.Context.current().withValue(TOKEN, headers.get(AUTHORIZATION)),
                            call, headers, next);
                }
            };
        }
    }

    private final RecordingInventory inventory = new RecordingInventory();
    private Server server;
    private TestAgent agent;
    private AgentHost host;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdownNow();
        }
        if (agent != null) {
            agent.close();
        }
    }

    private GrpcInventoryRegistration registration(String topologyFile, String token, Path state) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(inventory, inventory.tokenReader())).build().start();
        agent = TestAgent.open(TopologyLoader.load(Path.of("../../deploy/topologies/" + topologyFile)), state);
        host = agent.host();
        return new GrpcInventoryRegistration(InProcessChannelBuilder.forName(name).directExecutor().build(), token, host,
                "agent-1.example:9090", Duration.ofSeconds(5));
    }

    @Test
    void theNodeRegistersItsDevicesGroupsAndResetSetsWithItsToken(@TempDir Path state) throws Exception {
        GrpcInventoryRegistration client = registration("workstation-gpu-audio.yaml", "node-token", state);
        client.register(host.topology());
        client.heartbeat(host.topology().hostname());

        RegisterRequest sent = inventory.registrations.getFirst();
        assertThat(sent.getNodeName()).isEqualTo("workstation-07");
        assertThat(sent.getAgent().getEndpoint()).isEqualTo("agent-1.example:9090");
        assertThat(sent.getKernel().getProfile()).isEqualTo("v11");
        assertThat(sent.getDevicesList()).extracting(Device::getBdf).doesNotContain("0000:00:01.0", "0000:00:06.0")
                .contains("0000:00:02.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1");
        Device gpu = sent.getDevicesList().stream().filter(device -> device.getBdf().equals("0000:01:00.0")).findFirst().orElseThrow();
        assertThat(gpu.getVfioDeviceName()).startsWith("vfio");
        assertThat(gpu.getVendorId()).isEqualTo(0x10de);
        Device hostAudio = sent.getDevicesList().stream().filter(device -> device.getBdf().equals("0000:02:00.1")).findFirst().orElseThrow();
        assertThat(hostAudio.getDriver()).isEqualTo("snd_hda_intel");
        assertThat(hostAudio.getVfioDeviceName()).isEmpty();
        IommuGroup twelve = sent.getIommuGroupsList().stream().filter(group -> group.getNumber() == 12).findFirst().orElseThrow();
        assertThat(twelve.getMembersList()).containsExactly("0000:01:00.0", "0000:01:00.1");
        assertThat(twelve.getReservedRegionsList()).isNotEmpty();
        assertThat(sent.getResetSetsList()).extracting(set -> List.copyOf(set.getMembersList()))
                .contains(List.of("0000:01:00.0", "0000:01:00.1"), List.of("0000:02:00.0", "0000:02:00.1"));
        assertThat(inventory.heartbeats).containsExactly("workstation-07");
    }

    @Test
    void emulatedDevicesRegisterUnderTheirNamesInResetSetsOfTheirOwn(@TempDir Path state) throws Exception {
        GrpcInventoryRegistration client = registration("emulated-devices.yaml", "node-token", state);
        client.register(host.topology());

        RegisterRequest sent = inventory.registrations.getFirst();
        Device mtty = sent.getDevicesList().stream().filter(device -> device.getBdf().equals("mtty-0")).findFirst().orElseThrow();
        assertThat(mtty.getEmulated()).isTrue();
        assertThat(sent.getResetSetsList()).anySatisfy(set -> assertThat(set.getMembersList()).containsExactly("mtty-0"));
        assertThat(sent.getIommuGroupsList()).allSatisfy(group -> assertThat(group.getMembersList()).doesNotContain("mtty-0"));
    }

    @Test
    void aRefusedCallSurfacesForTheLoopToRetry(@TempDir Path state) throws Exception {
        GrpcInventoryRegistration client = registration("gpu-server-8x.yaml", "wrong-token", state);
        assertThatThrownBy(() -> client.register(host.topology()))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThat(inventory.registrations).isEmpty();
    }
}
