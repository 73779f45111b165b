package io.vfleet.tlog;

import java.net.http.HttpClient;

/** A deliberate violation for DependencyWhitelistTest: a log format fetching what it proves over the network. */
final class TreeFetchingProofs {
    private TreeFetchingProofs() {}

    static String names() {
        return HttpClient.class.getName();
    }
}
