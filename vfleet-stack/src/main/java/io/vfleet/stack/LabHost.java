package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A real host in the stack: the kernel lab's guest ({@code iommufd-agent/lab/vfleet-lab}, Linux with a
 * virtual IOMMU under QEMU), its agent on the Linux backend with the topology it reads from the guest's
 * sysfs. The launcher runs the lab script as one of its children, with the node's certificate from the
 * stack's authority and the inventory to register with; the agent then joins as any host does, and
 * stopping the script stops QEMU.
 *
 * @param node   the node's name, which its certificate names
 * @param kernel the guest's kernel
 * @param script the lab's command
 */
public record LabHost(String node, Kernel kernel, Path script) {

    /** The lab's kernels, as {@code vfleet-lab up --kernel=} names them. */
    public enum Kernel {
        /** Debian's 6.12: vfio groups and the type1 container; no iommufd and no device cdev. */
        STOCK,
        /** linux-source-6.12 built with iommufd, the vfio device cdev and noiommu (cached once built). */
        IOMMUFD;

        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kernel of(String option) {
            return Arrays.stream(values()).filter(kernel -> kernel.option().equals(option)).findFirst()
                    .orElseThrow(() -> new StackException("--lab-host takes the lab's kernel, stock or iommufd, not '" + option + "'"));
        }
    }

    public static final String DEFAULT_NODE = "lab-1";
    public static final String SCRIPT = "iommufd-agent/lab/vfleet-lab";

    /**
     * The guest boots under TCG, where the JVM runs many times slower than on the host: a minute on an
     * idle machine, several on a busy one.
     */
    static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(12);

    public LabHost {
        script = script.toAbsolutePath().normalize();
    }

    /** The lab of the checkout at {@code projectRoot}, as node {@link #DEFAULT_NODE}. */
    public static LabHost of(Path projectRoot, Kernel kernel) {
        return new LabHost(DEFAULT_NODE, kernel, projectRoot.resolve(SCRIPT));
    }

    /** What this machine lacks to boot the lab, or empty when it can. */
    public Optional<String> missingPrerequisite() {
        if (!Files.isExecutable(script)) {
            return Optional.of("no lab script at " + script);
        }
        if (Spawner.onPath("qemu-system-x86_64").isEmpty()) {
            return Optional.of("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)");
        }
        if (!Files.isExecutable(Path.of("/bin/busybox")) || Spawner.onPath("cpio").isEmpty()) {
            return Optional.of("busybox-static or cpio is not installed (apt-get install busybox-static cpio)");
        }
        if (kernel == Kernel.IOMMUFD && !iommufdKernelCached()) {
            return Optional.of("no cached build of the iommufd kernel (" + script.resolveSibling("bin/lab-kernel")
                    + " iommufd builds it, about 20 minutes on 2 cores)");
        }
        return Optional.empty();
    }

    /** Where the lab writes the guest's console when it stops. */
    String consoleLog() {
        return "$VFLEET_LAB_CACHE/console-" + kernel.option() + ".log (default ~/.cache/vfleet-lab)";
    }

    private boolean iommufdKernelCached() {
        Path labKernel = script.resolveSibling("bin/lab-kernel");
        try {
            Process process = new ProcessBuilder(labKernel.toString(), "iommufd", "--cached-only")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor() == 0;
        } catch (IOException cannotRun) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
