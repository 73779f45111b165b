package io.vfleet.assignment.application.port;

import org.springframework.transaction.annotation.Transactional;

/** A deliberate violation for DependencyWhitelistTest: a port naming a framework's type. */
public interface PortReachingOut {
    @Transactional
    void record();
}
