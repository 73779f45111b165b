package io.vfleet.rest;

import java.util.logging.Logger;

/** A deliberate violation for DependencyWhitelistTest: a refusal logged past SLF4J, its MDC and its format. */
final class EdgeLoggingAside {
    private EdgeLoggingAside() {}

    static String names() {
        return Logger.class.getName();
    }
}
