package io.vfleet.engine.demo;

import io.vfleet.engine.iommufd.Ioas;

/** A deliberate violation for DependencyWhitelistTest: the demo reading an IOAS object instead of asking by ioctl. */
final class DemoReachingBehindDescriptors {
    private DemoReachingBehindDescriptors() {}

    static String names() {
        return Ioas.class.getName();
    }
}
