package io.vfleet.inventory.application;

import org.springframework.http.ResponseEntity;

/** A deliberate violation for DependencyWhitelistTest: a use case answering in HTTP terms. */
public final class ApplicationReachingOut {
    private ApplicationReachingOut() {}

    static String name() {
        return ResponseEntity.class.getName();
    }
}
