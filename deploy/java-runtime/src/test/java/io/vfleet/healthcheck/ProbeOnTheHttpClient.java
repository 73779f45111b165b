package io.vfleet.healthcheck;

import java.net.http.HttpClient;

/** A deliberate violation for DependencyWhitelistTest: the probe taking on the HTTP client module. */
final class ProbeOnTheHttpClient {
    private ProbeOnTheHttpClient() {}

    static String names() {
        return HttpClient.class.getName();
    }
}
