package io.vfleet.lab;

import java.util.List;
import java.util.Map;

/**
 * Where the engine and a lab kernel answer a scenario differently on purpose, each with the reason and
 * the kernel source or lab fact that explains it. A scenario listed here must still differ (a listed
 * difference that went away fails the suite, so this list cannot rot), and a difference not listed
 * fails it too: it is either fixed in the engine or written here.
 */
final class KnownDifferences {
    private KnownDifferences() {
    }

    /** Keyed by kernel and scenario: {@code "stock/kvm-vfio-device"}. */
    static final Map<String, String> DOCUMENTED = Map.of(
            "stock/kvm-vfio-device",
            "The lab runs under TCG, which emulates no VMX: kvm_intel does not load and /dev/kvm does not exist "
                    + "(arch/x86/kvm/vmx/vmx.c, vmx_init -> cpu_has_vmx). The engine's hosts always have KVM. A lab fact, "
                    + "not a kernel difference: KVM-VFIO scenarios need a host with KVM.",
            "iommufd/kvm-vfio-device",
            "As on the stock kernel: no /dev/kvm under TCG.");

    /**
     * Differences that come and go with the emulation's timing, so a run where they agree is no stale
     * entry: every hot reset passes vfio's checks alike on both, and then the emulated link decides.
     */
    static final String LINK_AFTER_RESET = "The hot reset passes every vfio check and the kernel resets the slot or bus, but "
            + "the emulated link may not come back in time: pci_bridge_wait_for_secondary_bus (drivers/pci/pci.c) answers "
            + "-ENOTTY when Data Link Layer Link Active is not set within its delay, which QEMU's emulated ports under a "
            + "loaded TCG sometimes miss. The engine models hardware whose reset completes; every call before the reset "
            + "agrees call for call.";

    /** Scenarios whose only possible difference is {@link #LINK_AFTER_RESET}: the reset's last call. */
    static boolean onlyTheResetsLink(List<String> engine, List<String> lab) {
        if (engine.size() != lab.size()) {
            return false;
        }
        for (int index = 0; index < engine.size(); index++) {
            String onEngine = engine.get(index);
            String onLab = lab.get(index);
            if (!onEngine.equals(onLab) && !(onEngine.contains("vfio_device_pci_hot_reset") && onLab.endsWith("= ENOTTY")
                    && onEngine.endsWith("= vfio_device_pci_hot_reset { }"))) {
                return false;
            }
        }
        return true;
    }
}
