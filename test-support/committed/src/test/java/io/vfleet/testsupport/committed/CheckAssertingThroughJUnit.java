package io.vfleet.testsupport.committed;

import org.junit.jupiter.api.Assertions;

/** A deliberate violation for DependencyWhitelistTest: the check failing through one test framework. */
final class CheckAssertingThroughJUnit {
    private CheckAssertingThroughJUnit() {}

    static String names() {
        return Assertions.class.getName();
    }
}
