package io.vfleet.agent.vmm;

import java.util.List;

/**
 * The outcome of a Release.
 *
 * @param released       false when nothing was prepared under the id
 * @param functionReset  devices scrubbed with VFIO_DEVICE_RESET
 * @param leftToSetReset devices without a function reset, reset by the kernel with their reset set
 */
public record Released(boolean released, List<String> functionReset, List<String> leftToSetReset) {
    public Released {
        functionReset = List.copyOf(functionReset);
        leftToSetReset = List.copyOf(leftToSetReset);
    }
}
