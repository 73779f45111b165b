package io.vfleet.stack;

import java.lang.foreign.Linker;
import picocli.CommandLine;

/** A deliberate violation for DependencyWhitelistTest: native calls and the command line outside their classes. */
final class SupervisorSignallingAside {
    private SupervisorSignallingAside() {}

    static String names() {
        return Linker.class.getName() + CommandLine.class.getName();
    }
}
