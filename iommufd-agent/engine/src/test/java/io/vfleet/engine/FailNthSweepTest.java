package io.vfleet.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.snapshot.HostState;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fail-nth sweep, after the iommufd selftests' fault injection: each passing VMM sequence is
 * replayed with the n-th allocation point of one of its calls failing, for every call and every
 * n until the call no longer meets a point. After each injected failure the host must describe
 * exactly as it did before the call (nothing leaked, nothing half done), and the same call must
 * then succeed, proving the failure left nothing in its way.
 */
class FailNthSweepTest {
    private static final int RW = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;
    private static final long LENGTH = 16 * 4096;

    /** One call of a sequence; it reads and writes the values (fds, ids) earlier calls produced. */
    record Step(String name, Consumer<Run> call) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A sequence being replayed on one fresh host. */
    static final class Run {
        final Host host;
        final int pid;
        final Map<String, Long> values = new HashMap<>();

        Run(Host host) {
            this.host = host;
            this.pid = host.spawn(new ProcessSpec("vmm", 1000, Set.of(), 1L << 30));
        }

        int fd(String name) {
            return Math.toIntExact(values.get(name));
        }

        void open(String name, String path) {
            values.put(name, (long) host.open(pid, path, 2));
        }

        <R> R ioctl(String fd, Ioctl<R> request) {
            return host.ioctl(pid, fd(fd), request);
        }
    }

    record Scenario(String name, String topology, List<Step> steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    @AfterEach
    void disarm() {
        FaultInjection.disarm();
    }

    static Stream<Scenario> scenarios() {
        String simple = TestHosts.simpleHost(1, "linux-6.6");
        return Stream.of(
                new Scenario("cdev VMM with two IOASes", simple, List.of(
                        new Step("open /dev/iommu", run -> run.open("iommufd", "/dev/iommu")),
                        new Step("IOAS_ALLOC", run -> run.values.put("ioas", (long) run.ioctl("iommufd", IommuIoasAlloc.of()).outIoasId())),
                        new Step("IOAS_ALLOC second", run -> run.values.put("ioas2", (long) run.ioctl("iommufd", IommuIoasAlloc.of()).outIoasId())),
                        new Step("mmap", run -> run.values.put("memory", run.host.mmap(run.pid, LENGTH, 3))),
                        new Step("IOAS_MAP auto", run -> run.values.put("iova", run.ioctl("iommufd",
                                IommuIoasMap.of(RW, run.fd("ioas"), run.values.get("memory"), LENGTH, 0)).iova())),
                        new Step("open cdev", run -> run.open("device", "/dev/vfio/devices/vfio0")),
                        new Step("BIND", run -> run.values.put("devid", (long) run.ioctl("device", VfioDeviceBindIommufd.of(run.fd("iommufd"))).outDevid())),
                        new Step("ATTACH (pins)", run -> run.ioctl("device", VfioDeviceAttachIommufdPt.of(run.fd("ioas")))),
                        new Step("HWPT_ALLOC on the second IOAS", run -> run.values.put("hwpt", (long) run.ioctl("iommufd",
                                IommuHwptAlloc.of(run.fd("devid"), run.fd("ioas2"))).outHwptId())),
                        new Step("IOAS_COPY", run -> run.ioctl("iommufd", new IommuIoasCopy(IommuIoasCopy.SIZE, RW,
                                run.fd("ioas2"), run.fd("ioas"), LENGTH, 0, run.values.get("iova")))),
                        new Step("replace onto the manual HWPT", run -> run.ioctl("device", VfioDeviceAttachIommufdPt.of(run.fd("hwpt")))),
                        new Step("hot reset", run -> run.ioctl("device", VfioDevicePciHotReset.of(List.of()))),
                        new Step("IOAS_UNMAP", run -> run.ioctl("iommufd", IommuIoasUnmap.of(run.fd("ioas"), run.values.get("iova"), LENGTH))),
                        new Step("DETACH", run -> run.ioctl("device", VfioDeviceDetachIommufdPt.of())),
                        new Step("close device", run -> run.host.close(run.pid, run.fd("device"))))),
                new Scenario("legacy group and type1 container", TestHosts.simpleHost(2, "v11"), List.of(
                        new Step("open group", run -> run.open("group", "/dev/vfio/10")),
                        new Step("open container", run -> run.open("container", "/dev/vfio/vfio")),
                        new Step("SET_CONTAINER", run -> run.ioctl("group", new VfioGroupSetContainer(run.fd("container")))),
                        new Step("SET_IOMMU", run -> run.ioctl("container", new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU))),
                        new Step("GET_DEVICE_FD", run -> run.values.put("device", (long) run.ioctl("group",
                                new VfioGroupGetDeviceFd("0000:01:00.0")).fd())),
                        new Step("mmap", run -> run.values.put("memory", run.host.mmap(run.pid, LENGTH, 3))),
                        new Step("MAP_DMA", run -> run.ioctl("container", VfioIommuMapDma.of(3, run.values.get("memory"), 1L << 32, LENGTH))),
                        new Step("UNMAP_DMA", run -> run.ioctl("container", VfioIommuUnmapDma.of(0, 1L << 32, LENGTH))),
                        new Step("close device", run -> run.host.close(run.pid, run.fd("device"))))),
                new Scenario("group with iommufd and the compat IOAS", TestHosts.simpleHost(2, "v11"), List.of(
                        new Step("open /dev/iommu", run -> run.open("iommufd", "/dev/iommu")),
                        new Step("open group", run -> run.open("group", "/dev/vfio/11")),
                        new Step("SET_CONTAINER iommufd (compat IOAS)", run -> run.ioctl("group", new VfioGroupSetContainer(run.fd("iommufd")))),
                        new Step("GET_DEVICE_FD (bind and attach)", run -> run.values.put("device", (long) run.ioctl("group",
                                new VfioGroupGetDeviceFd("0000:01:00.1")).fd())),
                        new Step("mmap", run -> run.values.put("memory", run.host.mmap(run.pid, LENGTH, 3))),
                        new Step("compat MAP_DMA", run -> run.ioctl("iommufd", VfioIommuMapDma.of(3, run.values.get("memory"), 1L << 32, LENGTH))),
                        new Step("close device", run -> run.host.close(run.pid, run.fd("device"))))),
                new Scenario("VM with an emulated device that pins", """
                        hostname: fail-nth
                        devices:
                          - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true}}
                          - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0, reset: {functionReset: true}}
                        emulatedDevices:
                          - {name: mtty-0, type: mtty, requiresKvm: true}
                        """, List.of(
                        new Step("open /dev/kvm", run -> run.open("kvm", "/dev/kvm")),
                        new Step("KVM_CREATE_VM", run -> run.values.put("vm", (long) run.ioctl("kvm", new KvmCreateVm(0)).fd())),
                        new Step("KVM_CREATE_DEVICE vfio", run -> run.values.put("kvmvfio", (long) run.ioctl("vm",
                                new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd())),
                        new Step("open /dev/iommu", run -> run.open("iommufd", "/dev/iommu")),
                        new Step("IOAS_ALLOC", run -> run.values.put("ioas", (long) run.ioctl("iommufd", IommuIoasAlloc.of()).outIoasId())),
                        new Step("open mdev cdev", run -> run.open("mdev", "/dev/vfio/devices/vfio1")),
                        new Step("FILE_ADD", run -> run.ioctl("kvmvfio", KvmSetDeviceAttr.fileAdd(run.fd("mdev")))),
                        new Step("BIND (needs KVM)", run -> run.ioctl("mdev", VfioDeviceBindIommufd.of(run.fd("iommufd")))),
                        new Step("ATTACH access", run -> run.ioctl("mdev", VfioDeviceAttachIommufdPt.of(run.fd("ioas")))),
                        new Step("mmap", run -> run.values.put("memory", run.host.mmap(run.pid, LENGTH, 3))),
                        new Step("IOAS_MAP", run -> run.values.put("iova", run.ioctl("iommufd",
                                IommuIoasMap.of(RW, run.fd("ioas"), run.values.get("memory"), LENGTH, 0)).iova())),
                        new Step("driver pins", run -> run.host.accessPin(run.pid, run.fd("mdev"),
                                new IommufdAccess.Pin(run.values.get("iova"), 4096, true))),
                        new Step("IOAS_UNMAP (driver unpins)", run -> run.ioctl("iommufd",
                                IommuIoasUnmap.of(run.fd("ioas"), run.values.get("iova"), LENGTH))),
                        new Step("close the KVM-VFIO device", run -> run.host.close(run.pid, run.fd("kvmvfio"))),
                        new Step("close mdev", run -> run.host.close(run.pid, run.fd("mdev"))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void aFailedAllocationAnywhereLeavesTheHostAsItWas(Scenario scenario) {
        int injected = 0;
        for (int failing = 0; failing < scenario.steps().size(); failing++) {
            for (int nth = 1; ; nth++) {
                Run run = new Run(TestHosts.boot(scenario.topology()));
                for (Step step : scenario.steps().subList(0, failing)) {
                    step.call().accept(run);
                }
                Step step = scenario.steps().get(failing);
                String before = HostState.describe(run.host);
                FaultInjection.failNth(nth);
                KernelException failure = null;
                try {
                    step.call().accept(run);
                } catch (KernelException e) {
                    failure = e;
                }
                boolean hit = FaultInjection.disarm();
                if (!hit) {
                    assertThat(failure).as(step + ": failed without an injected fault").isNull();
                    break;
                }
                injected++;
                String where = scenario + " / " + step + " / fail-nth " + nth;
                assertThat(failure).as(where + ": the injected failure must reach user space").isNotNull();
                assertThat(failure.errno()).as(where).isEqualTo(Errno.ENOMEM);
                String after = HostState.describe(run.host);
                assertThat(after).as(where + " changed the host:\n" + HostState.difference(before, after)).isEqualTo(before);
                step.call().accept(run);
            }
        }
        assertThat(injected).as("allocation points met by " + scenario).isGreaterThan(scenario.steps().size() / 2);
    }
}
