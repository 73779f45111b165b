package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How long an assign request waits for the agent's prepare before it is answered with the PREPARING
 * assignment: {@code vfleet.assign.wait-default} (5 s) when the request does not say, and at most
 * {@code vfleet.assign.wait-max} (60 s) whatever it says (REST {@code Prefer: wait=N}, gRPC {@code wait}).
 */
@ConfigurationProperties("vfleet.assign")
record AssignProperties(Duration waitDefault, Duration waitMax) {

    AssignProperties {
        waitDefault = waitDefault == null ? Duration.ofSeconds(5) : waitDefault;
        waitMax = waitMax == null ? Duration.ofSeconds(60) : waitMax;
        if (waitDefault.isNegative() || waitMax.isNegative() || waitDefault.compareTo(waitMax) > 0) {
            throw new IllegalArgumentException("vfleet.assign.wait-default (" + waitDefault
                    + ") must be between 0 and vfleet.assign.wait-max (" + waitMax + ")");
        }
    }
}
