package io.vfleet.security;

import io.vfleet.security.web.RestAccess;
import jakarta.servlet.http.HttpServletRequest;

/** A deliberate violation for DependencyWhitelistTest: the core reading a caller off one transport's request. */
final class CallerFromTheServlet {
    private CallerFromTheServlet() {}

    static String names() {
        return HttpServletRequest.class.getName() + RestAccess.class.getName();
    }
}
