package io.vfleet.engine.topology;

/**
 * Which resets the PCI core can perform around a function, as probed by {@code pci_reset_function()},
 * {@code pci_probe_reset_bus()} and {@code pci_probe_reset_slot()} ({@code drivers/pci/pci.c}).
 *
 * @param functionReset     FLR or PM reset of the function itself: VFIO_DEVICE_RESET works and
 *                          VFIO_DEVICE_GET_INFO reports FLAGS_RESET (KERNEL.md §13.4)
 * @param secondaryBusReset only on a bridge: the bus below it can be reset (secondary bus reset)
 * @param slotReset         only on a bridge: the hotplug slot below it supports a slot reset
 */
public record ResetCapabilities(boolean functionReset, boolean secondaryBusReset, boolean slotReset) {
    public static final ResetCapabilities NONE = new ResetCapabilities(false, false, false);
    public static final ResetCapabilities FUNCTION_RESET = new ResetCapabilities(true, false, false);

    /** Whether anything below this bridge can be hot reset, by slot or by bus. */
    public boolean resetsBelow() {
        return secondaryBusReset || slotReset;
    }
}
