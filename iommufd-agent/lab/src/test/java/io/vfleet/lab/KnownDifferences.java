package io.vfleet.lab;

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
}
