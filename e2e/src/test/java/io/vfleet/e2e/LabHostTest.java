package io.vfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.api.agent.v1.PreparedDevice;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.VfioDeviceGetInfo;
import io.vfleet.api.agent.v1.VfioDeviceGetInfoReply;
import io.vfleet.stack.LabHost;
import io.vfleet.stack.Stack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The kernel lab's guest joined to the stack as a real host, as {@code ./vfleet up --lab-host=iommufd}
 * joins it: its agent registers its real sysfs topology with the inventory over the stack's mutual TLS,
 * and an assignment made through the assignment service's REST API binds, attaches, resets and releases
 * a real device on the guest's kernel. What the kernel did is checked on the kernel itself, through the
 * lab agent's system calls: a device bound to an iommufd through its cdev keeps its IOMMU group from
 * being opened (EBUSY, KERNEL.md §5.1), and after the release the group opens again.
 *
 * <p>It needs the iommufd kernel, since Prepare binds devices through their cdev, which the stock kernel
 * has not; a machine without QEMU or without that kernel's cached build skips it with the reason, as the
 * differential suite skips that kernel. One boot, with the lab host alone beside the services.
 */
class LabHostTest {
    private static final String E1000E = "0x10d3";
    private static final String INTEL = "0x8086";
    private static final String VFIO_PCI = "vfio-pci";
    private static final int VFIO_DEVICE_FLAGS_PCI = 2;
    private static final Duration UNDER_TCG = Duration.ofMinutes(5);

    @Test
    void anAssignmentThroughTheServiceBindsAttachesResetsAndReleasesARealDeviceInTheLabsGuest() throws Exception {
        Path projectRoot = Path.of(System.getProperty("vfleet.e2e.project-root", "..")).toAbsolutePath().normalize();
        LabHost lab = LabHost.of(projectRoot, LabHost.Kernel.IOMMUFD);
        Optional<String> missing = lab.missingPrerequisite();
        if (missing.isPresent()) {
            System.out.println("SKIPPED: the lab host in the stack (iommufd lab kernel): this machine cannot run it: " + missing.get());
        }
        assumeTrue(missing.isEmpty(), "the iommufd lab kernel: this machine cannot run it: " + missing.orElse(""));

        long started = System.nanoTime();
        Stack stack = StackUnderTest.start(LabHostTest.class, settings -> settings.withLabHost(lab, List.of()));
        try {
            Duration joined = Duration.ofNanos(System.nanoTime() - started);
            System.out.printf("the stack with the lab host (%s) was up and knew %s in %d s%n", lab.kernel().option(), lab.node(),
                    joined.toSeconds());
            assignBindAttachResetAndRelease(stack, lab.node());
        } finally {
            stack.close();
            System.out.printf("the whole run, boot to stop: %d s%n", Duration.ofNanos(System.nanoTime() - started).toSeconds());
        }
        assertThat(stack.agent(lab.node()).isAlive()).as("the lab script, and QEMU with it, stopped").isFalse();
    }

    private static void assignBindAttachResetAndRelease(Stack stack, String node) throws Exception {
        Rest inventory = new Rest(stack.inventoryUrl(), stack.tokens().operator());
        Rest orchestrator = new Rest(stack.assignmentUrl(), stack.tokens().orchestrator());

        // The guest's real topology in the inventory: its e1000e functions, bound to vfio-pci by the guest.
        Rest.Response devices = inventory.get("/api/v1/devices?node=" + node + "&size=200");
        assertThat(devices.status()).as(devices.body().toString()).isEqualTo(200);
        JsonNode e1000e = devices.body().get("items").valueStream()
                .filter(device -> INTEL.equals(device.get("vendorId").asString()) && E1000E.equals(device.get("deviceId").asString()))
                .filter(device -> VFIO_PCI.equals(device.get("driver").asString()))
                .filter(device -> alone(devices.body().get("items"), device))
                .findFirst().orElseThrow(() -> new AssertionError("no e1000e alone in its IOMMU group on " + node + ": " + devices.body()));
        String bdf = e1000e.get("bdf").asString();
        String group = "/dev/vfio/" + e1000e.get("iommuGroup").asInt();

        Rest.Response created = orchestrator.post("/api/v1/assignments",
                "{\"tenant\":\"acme\",\"node\":\"" + node + "\",\"devices\":[\"" + bdf + "\"]}");
        assertThat(created.status()).as(created.body().toString()).isIn(201, 202);
        String id = created.body().get("id").asString();
        JsonNode active = awaitState(orchestrator, id, "ACTIVE");
        assertThat(active.get("node").asString()).isEqualTo(node);

        try (AgentClient agent = AgentClient.of(stack, node)) {
            // What the agent holds for the assignment: the device's cdev open, bound and attached to a HWPT.
            PrepareResponse prepared = listPrepared(agent).stream().filter(each -> each.getAssignmentId().equals(id))
                    .findFirst().orElseThrow(() -> new AssertionError(id + " is not prepared on " + node)).getPrepared();
            PreparedDevice device = prepared.getDevices(0);
            assertThat(device.getBdf()).isEqualTo(bdf);
            assertThat(device.getHwptId()).as("attached to a HWPT").isPositive();
            assertThat(prepared.getIoasId()).isEqualTo(active.get("ioasId").asInt());

            // The guest's kernel answers on the assignment's device file: a vfio-pci device.
            VfioDeviceGetInfoReply info = agent.syscalls().ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid())
                    .setFd(device.getFd()).setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()).build()).getVfioDeviceGetInfo();
            assertThat(info.getFlags() & VFIO_DEVICE_FLAGS_PCI).as("VFIO_DEVICE_FLAGS_PCI").isNotZero();
            assertThat(info.getNumRegions()).isPositive();

            // And the device is open on the kernel: bound through its cdev, its group cannot be opened.
            int checker = agent.syscalls().spawn(SpawnRequest.newBuilder().setName("lab-host-check").build()).getPid();
            AgentRefusal busy = AgentRefusal.of(catchThrowable(() -> agent.syscalls().open(
                    OpenRequest.newBuilder().setPid(checker).setPath(group).build())));
            assertThat(busy.reason()).as("open(%s) while %s is bound: %s", group, bdf, busy).isEqualTo("EBUSY");

            // A hot reset through the service reaches the kernel's VFIO_DEVICE_PCI_HOT_RESET, which resets the
            // emulated slot and waits for the device to answer again before it returns.
            Rest.Response reset = orchestrator.post("/api/v1/assignments/" + id + "/reset", "{\"device\":\"" + bdf + "\"}");
            assertThat(reset.status()).as("hot reset of %s on the lab's kernel: %s", bdf, reset.body()).isEqualTo(200);
            assertThat(reset.body().get("affected").valueStream().map(JsonNode::asString)).contains(bdf);
            assertThat(orchestrator.get("/api/v1/assignments/" + id).body().get("state").asString()).isEqualTo("ACTIVE");

            Rest.Response released = orchestrator.delete("/api/v1/assignments/" + id);
            assertThat(released.status()).as(released.body().toString()).isIn(200, 202);
            awaitState(orchestrator, id, "RELEASED");
            assertThat(listPrepared(agent)).extracting(PreparedAssignment::getAssignmentId).doesNotContain(id);

            // Closed on the kernel: the group opens now, and is closed again.
            int groupFd = agent.syscalls().open(OpenRequest.newBuilder().setPid(checker).setPath(group).build()).getFd();
            agent.syscalls().close(CloseRequest.newBuilder().setPid(checker).setFd(groupFd).build());
            agent.syscalls().exit(ExitRequest.newBuilder().setPid(checker).build());
        }
    }

    /** Whether {@code device} is the only function of its IOMMU group among {@code devices}. */
    private static boolean alone(JsonNode devices, JsonNode device) {
        int group = device.get("iommuGroup").asInt();
        return devices.valueStream().filter(other -> other.hasNonNull("iommuGroup") && other.get("iommuGroup").asInt() == group)
                .count() == 1;
    }

    /** Polls the assignment until it reaches {@code state}; FAILED, or no change within the limit, fails at once. */
    private static JsonNode awaitState(Rest orchestrator, String id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + UNDER_TCG.toNanos();
        while (true) {
            JsonNode assignment = orchestrator.get("/api/v1/assignments/" + id).body();
            String now = assignment.get("state").asString();
            if (now.equals(state)) {
                return assignment;
            }
            if (now.equals("FAILED") || System.nanoTime() > deadline) {
                throw new AssertionError("assignment " + id + " did not become " + state + ": " + assignment);
            }
            Thread.sleep(Duration.ofSeconds(1));
        }
    }

    private static List<PreparedAssignment> listPrepared(AgentClient agent) {
        return agent.nodeAgent().listPrepared(ListPreparedRequest.getDefaultInstance()).getAssignmentsList();
    }
}
