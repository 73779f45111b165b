package io.vfleet.testsupport.database;

import java.sql.DriverManager;

/** A deliberate violation for DependencyWhitelistTest: the test database opening connections of its own. */
final class DatabaseConnecting {
    private DatabaseConnecting() {}

    static String names() {
        return DriverManager.class.getName();
    }
}
