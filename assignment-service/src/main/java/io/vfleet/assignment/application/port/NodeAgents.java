package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.Preparation;
import java.util.List;

/**
 * The iommufd agents of the fleet, reached by node name. Every call is idempotent by assignment id
 * and carries a fencing epoch; none may be made inside a database transaction.
 *
 * @see AgentUnreachable
 * @see AgentRefused
 */
public interface NodeAgents {

    record PrepareCall(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch) {}

    record ReleaseCall(String assignmentId, boolean reset, long epoch) {}

    /** Devices reset by VFIO_DEVICE_RESET, and the ones left to the kernel's reset of their set. */
    record Released(boolean released, List<String> functionReset, List<String> leftToSetReset) {}

    record HotResetCall(String assignmentId, String device, long epoch) {}

    /** An assignment the agent holds, as it reports it. */
    record Prepared(String assignmentId, String tenant, long epoch, Preparation preparation) {}

    Preparation prepare(String node, PrepareCall call);

    Released release(String node, ReleaseCall call);

    /** Every function the reset reached. */
    List<String> hotReset(String node, HotResetCall call);

    List<Prepared> listPrepared(String node);

    /** The node's agent could not be reached, or did not answer in time: the outcome is unknown. */
    final class AgentUnreachable extends RuntimeException {
        public AgentUnreachable(String node, Throwable cause) {
            super("the agent of node " + node + " cannot be reached: " + cause.getMessage(), cause);
        }
    }

    /** The agent answered with a refusal: an errno name (EBUSY) or STALE_EPOCH, and the device concerned if any. */
    final class AgentRefused extends RuntimeException {
        private final String reason;
        private final String device;

        public AgentRefused(String reason, String device, String message) {
            super(message);
            this.reason = reason;
            this.device = device;
        }

        public String reason() {
            return reason;
        }

        public String device() {
            return device;
        }
    }
}
