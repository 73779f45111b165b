package io.vfleet.engine.uapi;

import io.vfleet.engine.vfio.VfioDevice;
import org.assertj.core.api.Assertions;

/**
 * A deliberate violation for the engine's ArchitectureTest: the user API reaching up to a kernel object,
 * and a library outside the JDK. Test code only, which the rules themselves do not import.
 */
public final class UapiReachingUp {
    private UapiReachingUp() {}

    static String name(VfioDevice device) {
        return Assertions.class.getSimpleName() + System.identityHashCode(device);
    }
}
