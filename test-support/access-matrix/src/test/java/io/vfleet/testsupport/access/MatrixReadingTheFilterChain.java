package io.vfleet.testsupport.access;

import org.springframework.security.web.SecurityFilterChain;

/** A deliberate violation for DependencyWhitelistTest: outcomes read off the filter chain instead of the access tables. */
final class MatrixReadingTheFilterChain {
    private MatrixReadingTheFilterChain() {}

    static String names() {
        return SecurityFilterChain.class.getName();
    }
}
