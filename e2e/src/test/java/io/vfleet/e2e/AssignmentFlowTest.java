package io.vfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.api.agent.v1.PreparedDevice;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.VfioDeviceBindIommufd;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.ResetRequest;
import io.vfleet.api.assignment.v1.ResetResponse;
import io.vfleet.assignment.adapter.web.dashboard.HeadlessChromium;
import io.vfleet.stack.Stack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import tools.jackson.databind.JsonNode;

/**
 * Assignments as an orchestrator makes them, through the assignment service's REST API on the real
 * jars, with nodes and agents the service learnt from the inventory: assign, use the devices through
 * the agent's Syscalls, hot reset, release for the next tenant; the refusals with their violations;
 * the service killed with an assignment in flight; and the dashboard in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AssignmentFlowTest {
    private static final String GPU_SERVER = "gpu-server-01";
    private static final String WORKSTATION = "workstation-07";
    private static final String LEGACY = "legacy-03";
    private static final List<String> SOCKET_0_GPUS = List.of("0000:18:00.0", "0000:19:00.0", "0000:1a:00.0", "0000:1b:00.0");
    private static final List<String> SOCKET_1_GPUS = List.of("0000:9a:00.0", "0000:9b:00.0", "0000:9c:00.0", "0000:9d:00.0");
    private static final Set<String> UNFINISHED = Set.of("REQUESTED", "PREPARING", "RELEASING", "RESETTING");
    private static final long TWO_MIB = 2L << 20;
    private static final int PROT_READ_WRITE = 3;
    private static final int IOAS_MAP_WRITEABLE_READABLE = 2 | 4;

    private Stack stack;
    private Rest orchestrator;
    private Rest auditor;

    @BeforeAll
    void startStack() {
        stack = StackUnderTest.start(AssignmentFlowTest.class);
        orchestrator = new Rest(stack.assignmentUrl(), stack.tokens().orchestrator());
        auditor = new Rest(stack.assignmentUrl(), stack.tokens().auditor());
        Rest operator = new Rest(stack.assignmentUrl(), stack.tokens().operator());
        // The service knows the nodes only once the agents registered and the feed passed them on.
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            Rest.Response dashboard = operator.get("/api/v1/dashboard");
            assertThat(dashboard.status()).isEqualTo(200);
            List<String> live = new ArrayList<>();
            dashboard.body().get("nodes").forEach(node -> {
                if (node.get("live").asBoolean()) {
                    live.add(node.get("node").asString());
                }
            });
            assertThat(live).containsAll(stack.agents().keySet());
        });
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void assignedBySelectorAndByDeviceTheDevicesAreUsedResetAndReleasedScrubbedForTheNextTenant() throws Exception {
        Rest.Response bySelector = orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"acme\",\"selector\":{\"vendorId\":\"0x10de\",\"deviceId\":\"0x2330\",\"count\":2}}");
        assertActive(bySelector, 2);
        assertThat(bySelector.body().get("node").asString()).isEqualTo(GPU_SERVER);

        Rest.Response byDevice = orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"globex\",\"node\":\"" + WORKSTATION + "\",\"devices\":[\"0000:01:00.0\",\"0000:01:00.1\"]}");
        assertActive(byDevice, 2);
        String id = byDevice.body().get("id").asString();

        try (AgentClient agent = AgentClient.of(stack, WORKSTATION)) {
            // The VMM maps guest memory into the IOAS the service returned, as the tenant's VM process.
            PrepareResponse prepared = prepared(agent, id);
            assertThat(prepared.getIoasId()).isEqualTo(byDevice.body().get("ioasId").asInt());
            long guestMemory = agent.syscalls().mmap(MmapRequest.newBuilder().setPid(prepared.getPid())
                    .setLength(TWO_MIB).setProt(PROT_READ_WRITE).build()).getAddr();
            long iova = agent.syscalls().ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid()).setFd(prepared.getIommufd())
                    .setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(IOAS_MAP_WRITEABLE_READABLE)
                            .setIoasId(byDevice.body().get("ioasId").asInt()).setUserVa(guestMemory).setLength(TWO_MIB))
                    .build()).getIommuIoasMap().getIova();
            assertThat(iova % TWO_MIB).as("an IOVA aligned for the mapping").isZero();
        }

        Rest.Response reset = orchestrator.post("/api/v1/assignments/" + id + "/reset", "{\"device\":\"0000:01:00.0\"}");
        assertThat(reset.status()).as(reset.body().toString()).isEqualTo(200);
        assertThat(strings(reset.body().get("affected"))).contains("0000:01:00.0", "0000:01:00.1");
        assertThat(reset.body().get("assignment").get("state").asString()).isEqualTo("ACTIVE");

        for (Rest.Response assignment : List.of(bySelector, byDevice)) {
            release(assignment.body().get("id").asString());
        }
        try (AgentClient agent = AgentClient.of(stack, WORKSTATION)) {
            assertThat(listPrepared(agent)).extracting(PreparedAssignment::getAssignmentId).doesNotContain(id);
        }
        assertThat(owners("0000:01:00.0", WORKSTATION)).isEmpty();

        // The H100s have FLR: the release resets each before the next tenant may open it.
        String gpu = bySelector.body().get("devices").get(0).get("bdf").asString();
        Rest.Response events = auditor.get("/api/v1/audit/events?device=" + gpu + "&size=200");
        assertThat(events.body().get("items").valueStream().map(event -> event.get("detail").asString()))
                .as(events.body().toString()).anyMatch(detail -> detail.startsWith("RESETTING: function reset: [")
                        && detail.substring(0, detail.indexOf(']')).contains(gpu));
        assertThat(owners(gpu, GPU_SERVER)).isEmpty();

        Rest.Response next = orchestrator.post("/api/v1/assignments", devicesRequest("initech", GPU_SERVER, List.of(gpu)));
        assertActive(next, 1);
        assertThat(owners(gpu, GPU_SERVER)).containsExactly("initech");
        release(next.body().get("id").asString());
        assertAuditChainIntact();
    }

    @Test
    void aGroupWithAHostFunctionAResetSetWithAnotherTenantOrAHostDeviceAndAHeldDeviceAreRefusedWithViolations() {
        // The RTX 3090's audio function is on snd_hda_intel: its IOMMU group cannot go to a tenant.
        Rest.Response notViable = orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"acme\",\"node\":\"" + WORKSTATION + "\",\"devices\":[\"0000:02:00.0\"]}");
        assertRefused(notViable, "GROUP_ISOLATION", "0000:02:00.1");

        // Bus 02 of the legacy host resets as a whole: ports for two tenants, and a port the host keeps.
        String acme = activeId(orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"acme\",\"node\":\"" + LEGACY + "\",\"devices\":[\"0000:02:00.0\"]}"));
        String globex = activeId(orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"globex\",\"node\":\"" + LEGACY + "\",\"devices\":[\"0000:02:00.1\"]}"));
        assertRefused(orchestrator.post("/api/v1/assignments/" + acme + "/reset", "{\"device\":\"0000:02:00.0\"}"),
                "RESET_SET", "0000:02:00.1");

        Rest.Response busy = orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"initech\",\"node\":\"" + LEGACY + "\",\"devices\":[\"0000:02:00.1\"]}");
        assertRefused(busy, "DEVICE_BUSY", "0000:02:00.1");

        release(globex);
        // Nobody else holds a port now, but 02:00.3 is still on tg3: the kernel would refuse the bus
        // reset, and so does the service, before it fences anything.
        Rest.Response hostDevice = orchestrator.post("/api/v1/assignments/" + acme + "/reset", "{\"device\":\"0000:02:00.0\"}");
        assertThat(hostDevice.status()).as(hostDevice.body().toString()).isEqualTo(409);
        assertThat(hostDevice.body().get("violations").valueStream().map(violation -> violation.get("rule").asString()))
                .containsOnly("RESET_SET");
        assertThat(orchestrator.get("/api/v1/assignments/" + acme).body().get("state").asString()).isEqualTo("ACTIVE");
        release(acme);
        assertAuditChainIntact();
    }

    @Test
    void aPortWhoseResetSetHasAFreePortIsHotResetThroughRestAndGrpcAndTheFreePortIsLeftUnboundAndFree() throws Exception {
        // Bus 04 of the legacy host: two ports without FLR, an IOMMU group each, one dev_set.
        String port0 = "0000:04:00.0";
        String port1 = "0000:04:00.1";
        String acme = activeId(orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"acme\",\"node\":\"" + LEGACY + "\",\"devices\":[\"" + port0 + "\"]}"));

        Rest.Response reset = orchestrator.post("/api/v1/assignments/" + acme + "/reset", "{\"device\":\"" + port0 + "\"}");
        assertThat(reset.status()).as(reset.body().toString()).isEqualTo(200);
        assertThat(strings(reset.body().get("affected"))).containsExactly(port0, port1);
        assertFreeOnTheNode(port1);

        ManagedChannel channel = NettyChannelBuilder.forTarget(stack.assignmentTarget()).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + stack.tokens().orchestrator());
            ResetResponse overGrpc = AssignmentsGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .reset(ResetRequest.newBuilder().setId(acme).setDevice(port0).build());
            assertThat(overGrpc.getAffectedList()).containsExactly(port0, port1);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertFreeOnTheNode(port1);

        // Free in the service too: another tenant is given it, and the two tenants now share the set.
        String globex = activeId(orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"globex\",\"node\":\"" + LEGACY + "\",\"devices\":[\"" + port1 + "\"]}"));
        assertRefused(orchestrator.post("/api/v1/assignments/" + acme + "/reset", "{\"device\":\"" + port0 + "\"}"),
                "RESET_SET", port1);
        release(globex);
        release(acme);
        assertAuditChainIntact();
    }

    /** A process outside the assignments can bind the port: no file of any process holds it, nothing owns its group. */
    private void assertFreeOnTheNode(String bdf) throws Exception {
        try (AgentClient agent = AgentClient.of(stack, LEGACY)) {
            assertThat(listPrepared(agent)).allSatisfy(assignment -> assertThat(assignment.getPrepared().getDevicesList())
                    .extracting(PreparedDevice::getBdf).doesNotContain(bdf));
            String cdev = agent.nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance()).getVfioDevicesList().stream()
                    .filter(device -> device.getName().equals(bdf)).findFirst().orElseThrow().getCdevPath();
            int pid = agent.syscalls().spawn(SpawnRequest.newBuilder().setName("probe").setUid(4242).build()).getPid();
            try {
                int iommufd = agent.syscalls().open(OpenRequest.newBuilder().setPid(pid).setPath("/dev/iommu").setFlags(2).build()).getFd();
                int device = agent.syscalls().open(OpenRequest.newBuilder().setPid(pid).setPath(cdev).setFlags(2).build()).getFd();
                agent.syscalls().ioctl(IoctlRequest.newBuilder().setPid(pid).setFd(device)
                        .setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)).build());
            } finally {
                agent.syscalls().exit(ExitRequest.newBuilder().setPid(pid).build());
            }
        }
    }

    @Test
    void theServiceKilledWithAssignmentsInFlightConvergesWithNoDeviceLostLeakedOrOwnedTwice() throws Exception {
        Thread first = Thread.ofVirtual().start(() -> postIgnoringTheAnswer(GPU_SERVER, SOCKET_1_GPUS));
        Thread.sleep(150);
        Thread second = Thread.ofVirtual().start(() -> postIgnoringTheAnswer(GPU_SERVER, SOCKET_0_GPUS));
        stack.assignment().kill();
        first.join();
        second.join();
        stack.assignment().start();

        List<String> gpus = new ArrayList<>(SOCKET_0_GPUS);
        gpus.addAll(SOCKET_1_GPUS);
        // Reconciliation takes over what was left unfinished once it has settled, within a minute.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            List<JsonNode> crashed = assignmentsOf("crash");
            assertThat(crashed).extracting(assignment -> assignment.get("state").asString())
                    .noneMatch(UNFINISHED::contains);
            Set<String> active = crashed.stream().filter(assignment -> assignment.get("state").asString().equals("ACTIVE"))
                    .map(assignment -> assignment.get("id").asString()).collect(Collectors.toSet());
            try (AgentClient agent = AgentClient.of(stack, GPU_SERVER)) {
                assertThat(listPrepared(agent)).extracting(PreparedAssignment::getAssignmentId)
                        .as("the agent holds exactly the ACTIVE assignments").containsExactlyInAnyOrderElementsOf(active);
            }
            for (String gpu : gpus) {
                List<String> owners = owners(gpu, GPU_SERVER);
                assertThat(owners).as(gpu).hasSizeLessThanOrEqualTo(1);
                boolean held = crashed.stream().anyMatch(assignment -> assignment.get("state").asString().equals("ACTIVE")
                        && assignment.get("devices").valueStream().anyMatch(device -> device.get("bdf").asString().equals(gpu)));
                assertThat(owners).as(gpu + " owned as the ACTIVE assignments say").hasSize(held ? 1 : 0);
            }
        });
        assertAuditChainIntact();

        for (JsonNode assignment : assignmentsOf("crash")) {
            if (assignment.get("state").asString().equals("ACTIVE")) {
                release(assignment.get("id").asString());
            }
        }
        // Nothing leaked: all eight GPUs go to another tenant, and come back.
        String all = activeId(orchestrator.post("/api/v1/assignments", devicesRequest("after-crash", GPU_SERVER, gpus)));
        release(all);
    }

    @Test
    void theDashboardFromTheRunningStackShowsAnAssignmentMadeThroughTheApi() throws Exception {
        try (HeadlessChromium browser = HeadlessChromium.launch()) {
            browser.navigate(stack.assignmentUrl() + "/dashboard/");
            browser.evaluate("""
                    document.getElementById('token').value = '%s';
                    document.getElementById('sign-in').requestSubmit();
                    true""".formatted(stack.tokens().operator()));
            browser.waitFor("document.getElementById('status').textContent === 'Live'", Duration.ofSeconds(20));

            String id = activeId(orchestrator.post("/api/v1/assignments",
                    "{\"tenant\":\"umbrella\",\"node\":\"" + WORKSTATION + "\",\"devices\":[\"0000:01:00.0\",\"0000:01:00.1\"]}"));
            String row = "document.querySelector('#assignments tr[data-assignment=\"" + id + "\"]')";
            browser.waitFor(row, Duration.ofSeconds(20));
            assertThat(browser.text(row + ".innerText")).contains("umbrella", WORKSTATION, "0000:01:00.0", "ACTIVE");
            String tile = "document.querySelector('#nodes [data-node=\"" + WORKSTATION + "\"] [data-bdf=\"0000:01:00.0\"]')";
            browser.waitFor(tile + ".dataset.state === 'HELD'", Duration.ofSeconds(20));
            assertThat(browser.evaluate("document.querySelectorAll('#nodes [data-node]').length").asInt())
                    .isEqualTo(stack.agents().size());

            browser.screenshot(Path.of(System.getProperty("vfleet.e2e.screenshot", "target/dashboard-stack.png")), 1440);
            assertThat(browser.errors()).as("errors the page reported").isEmpty();
            release(id);
        }
    }

    private void postIgnoringTheAnswer(String node, List<String> devices) {
        try {
            orchestrator.post("/api/v1/assignments", devicesRequest("crash", node, devices));
        } catch (Rest.ServiceUnreachable killedMeanwhile) {
            // The answer is lost with the process; what the service did is read back afterwards.
        }
    }

    private static String devicesRequest(String tenant, String node, List<String> devices) {
        return "{\"tenant\":\"" + tenant + "\",\"node\":\"" + node + "\",\"devices\":["
                + devices.stream().map(device -> "\"" + device + "\"").collect(Collectors.joining(",")) + "]}";
    }

    private static void assertActive(Rest.Response created, int devices) {
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        JsonNode assignment = created.body();
        assertThat(assignment.get("state").asString()).isEqualTo("ACTIVE");
        assertThat(assignment.get("ioasId").isNumber()).as("an IOAS id").isTrue();
        assertThat(assignment.get("hwptIds")).as("HWPT ids").isNotEmpty();
        assertThat(assignment.get("devices")).hasSize(devices).allSatisfy(device -> {
            assertThat(device.get("vfioName").asString()).as("a VFIO device name").isNotBlank();
            assertThat(device.get("devid").isNumber()).as("an iommufd devid").isTrue();
            assertThat(device.get("hwptId").isNumber()).as("the HWPT it is attached to").isTrue();
        });
    }

    private static String activeId(Rest.Response created) {
        assertActive(created, created.body().get("devices").size());
        return created.body().get("id").asString();
    }

    private static void assertRefused(Rest.Response refused, String rule, String device) {
        assertThat(refused.status()).as(refused.body().toString()).isEqualTo(409);
        assertThat(refused.body().get("violations").valueStream()
                .map(violation -> violation.get("rule").asString() + " " + violation.get("device").asString()))
                .as(refused.body().toString()).contains(rule + " " + device);
    }

    private void release(String id) {
        Rest.Response released = orchestrator.delete("/api/v1/assignments/" + id);
        assertThat(released.status()).as(released.body().toString()).isEqualTo(200);
        assertThat(released.body().get("state").asString()).isEqualTo("RELEASED");
    }

    private List<JsonNode> assignmentsOf(String tenant) {
        Rest.Response page = orchestrator.get("/api/v1/assignments?tenant=" + tenant + "&size=200");
        assertThat(page.status()).isEqualTo(200);
        return page.body().get("items").valueStream().toList();
    }

    private List<String> owners(String device, String node) {
        Rest.Response owners = auditor.get("/api/v1/audit/owner?device=" + device + "&node=" + node);
        assertThat(owners.status()).as(owners.body().toString()).isEqualTo(200);
        return owners.body().get("owners").valueStream().map(owner -> owner.get("tenant").asString()).toList();
    }

    private void assertAuditChainIntact() {
        Rest.Response verification = auditor.get("/api/v1/audit/verify");
        assertThat(verification.status()).isEqualTo(200);
        assertThat(verification.body().get("intact").asBoolean()).as(verification.body().toString()).isTrue();
    }

    private static PrepareResponse prepared(AgentClient agent, String id) {
        return listPrepared(agent).stream().filter(assignment -> assignment.getAssignmentId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("the agent does not hold assignment " + id)).getPrepared();
    }

    private static List<PreparedAssignment> listPrepared(AgentClient agent) {
        return agent.nodeAgent().listPrepared(ListPreparedRequest.getDefaultInstance()).getAssignmentsList();
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }
}
