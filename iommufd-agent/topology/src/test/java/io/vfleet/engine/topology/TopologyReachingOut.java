package io.vfleet.engine.topology;

import org.assertj.core.api.Assertions;

/** A deliberate violation for DependencyWhitelistTest: a topology type using a library outside the JDK. */
final class TopologyReachingOut {
    private TopologyReachingOut() {}

    static String name() {
        return Assertions.class.getSimpleName();
    }
}
