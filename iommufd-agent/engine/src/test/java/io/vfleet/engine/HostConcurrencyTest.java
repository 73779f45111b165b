package io.vfleet.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.vfio.VfioDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many VMMs on one host at once, all fighting over few devices: binding, attaching, mapping,
 * hot resetting and closing in random order. Whatever interleaving happens, the kernel's
 * invariants must hold: a device is bound by at most one context at a time, every failure is a
 * clean errno, and once everyone has exited nothing is left open, owned, pinned or charged.
 */
class HostConcurrencyTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 300;
    private static final int DEVICES = 4;

    @Test
    void concurrentVmmsNeverShareADeviceAndLeaveNothingBehind() throws Exception {
        Host host = TestHosts.boot(TestHosts.simpleHost(DEVICES, "v11"));
        Map<String, Integer> boundBy = new ConcurrentHashMap<>();
        AtomicInteger doubleOwnership = new AtomicInteger();
        AtomicInteger completedRounds = new AtomicInteger();
        Map<Errno, AtomicInteger> refusals = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            for (int thread = 0; thread < THREADS; thread++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < ROUNDS; round++) {
                        try {
                            vmmRound(host, boundBy, doubleOwnership);
                        } catch (KernelException e) {
                            refusals.computeIfAbsent(e.errno(), errno -> new AtomicInteger()).incrementAndGet();
                        }
                        completedRounds.incrementAndGet();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get();
            }
        }
        assertThat(completedRounds).hasValue(THREADS * ROUNDS);
        assertThat(doubleOwnership).as("a device bound by two VMMs at once").hasValue(0);
        assertThat(refusals.keySet()).as("only the refusals contention explains").isSubsetOf(Errno.EINVAL, Errno.EPERM, Errno.EBUSY);
        assertThat(host.pids()).isEmpty();
        host.inspect(() -> {
            for (VfioDevice device : host.vfioDevices()) {
                assertThat(device.openCount()).as(device.name() + " open count").isZero();
                assertThat(device.iommufd()).as(device.name() + " binding").isNull();
                assertThat(device.iommuGroup().isViable()).as(device.name() + " group viable").isTrue();
            }
            return null;
        });
        assertThat(host.lockedPagesByUser().values()).allMatch(pages -> pages == 0);
    }

    /** One VMM lifetime: pick a device, try to take it, use it, give it back (or crash out). */
    private static void vmmRound(Host host, Map<String, Integer> boundBy, AtomicInteger doubleOwnership) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int pid = host.spawn(new ProcessSpec("vmm", 1000 + random.nextInt(3), Set.of(), 1L << 30));
        try {
            int index = random.nextInt(DEVICES);
            String name = host.vfioDevices().get(index).name();
            int iommufd = host.open(pid, "/dev/iommu", 2);
            int ioas = host.ioctl(pid, iommufd, IommuIoasAlloc.of()).outIoasId();
            long memory = host.mmap(pid, 1 << 16, 3);
            int device = host.open(pid, "/dev/vfio/devices/vfio" + index, 2);
            host.ioctl(pid, device, VfioDeviceBindIommufd.of(iommufd));
            if (boundBy.putIfAbsent(name, pid) != null) {
                doubleOwnership.incrementAndGet();
            }
            try {
                host.ioctl(pid, device, VfioDeviceAttachIommufdPt.of(ioas));
                long iova = host.ioctl(pid, iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE,
                        ioas, memory, 1 << 16, 0)).iova();
                if (random.nextBoolean()) {
                    host.ioctl(pid, device, VfioDevicePciHotReset.of(List.of()));
                }
                host.ioctl(pid, iommufd, IommuIoasUnmap.of(ioas, iova, 1 << 16));
                if (random.nextBoolean()) {
                    host.ioctl(pid, device, VfioDeviceDetachIommufdPt.of());
                    boundBy.remove(name, pid);
                    host.close(pid, device);
                }
            } finally {
                // Still bound until the close above or the exit below: forget it first.
                boundBy.remove(name, pid);
            }
        } finally {
            host.exit(pid);
        }
    }
}
