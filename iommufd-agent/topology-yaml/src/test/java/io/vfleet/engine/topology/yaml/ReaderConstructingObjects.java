package io.vfleet.engine.topology.yaml;

import org.snakeyaml.engine.v2.constructor.StandardConstructor;

/** A deliberate violation for DependencyWhitelistTest: the reader letting the document construct objects. */
final class ReaderConstructingObjects {
    private ReaderConstructingObjects() {}

    static String names() {
        return StandardConstructor.class.getName();
    }
}
