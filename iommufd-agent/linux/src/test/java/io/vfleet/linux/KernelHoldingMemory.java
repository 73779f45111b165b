package io.vfleet.linux;

import io.vfleet.linux.uapi.Struct;
import java.lang.foreign.Arena;

/** A deliberate violation for DependencyWhitelistTest: native memory held outside the classes that make the calls. */
final class KernelHoldingMemory {
    private KernelHoldingMemory() {}

    static String names() {
        return Arena.class.getName() + Struct.class.getName();
    }
}
