package io.vfleet.pki;

import java.net.http.HttpClient;

/** A deliberate violation for DependencyWhitelistTest: the offline authority reaching for the network. */
final class AuthorityDialingOut {
    private AuthorityDialingOut() {}

    static String names() {
        return HttpClient.class.getName();
    }
}
