package io.vfleet.engine;

import io.vfleet.engine.topology.Bdf;

/** A deliberate violation for the topology's DependencyWhitelistTest: the kernel's configuration naming a topology record. */
public final class ConfigReachingDown {
    private ConfigReachingDown() {}

    static String name(Bdf bdf) {
        return bdf.toString();
    }
}
