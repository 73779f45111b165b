package io.vfleet.linux.uapi;

import io.vfleet.linux.LinuxKernel;

/** A deliberate violation for the backend's DependencyWhitelistTest: a uapi header knowing the backend. */
public final class UapiReachingUp {
    private UapiReachingUp() {}

    static String names() {
        return LinuxKernel.class.getName();
    }
}
