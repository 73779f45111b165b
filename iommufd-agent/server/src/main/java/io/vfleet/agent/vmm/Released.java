package io.vfleet.agent.vmm;

import java.util.List;

/**
 * The outcome of a Release.
 *
 * @param released       false when nothing was prepared under the id
 * @param functionReset  devices scrubbed with VFIO_DEVICE_RESET
 * @param setReset       devices without a function reset, scrubbed by a hot reset of their whole set
 *                       (the set's free members fenced and bound for its length) before the exit
 * @param leftToSetReset devices without a function reset whose set could not be reset here: the
 *                       kernel resets them once no member of their set is open any more
 */
public record Released(boolean released, List<String> functionReset, List<String> setReset, List<String> leftToSetReset) {
    public Released {
        functionReset = List.copyOf(functionReset);
        setReset = List.copyOf(setReset);
        leftToSetReset = List.copyOf(leftToSetReset);
    }
}
