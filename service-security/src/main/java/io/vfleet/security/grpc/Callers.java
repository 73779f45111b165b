package io.vfleet.security.grpc;

import io.grpc.Context;
import io.vfleet.security.Caller;

/** The authenticated {@link Caller} of the gRPC call being served, as {@link CallerInterceptor} left it. */
public final class Callers {
    static final Context.Key<Caller> KEY = Context.key("vfleet-caller");

    private Callers() {
    }

    /** The caller of this call; a service reached without one is a wiring mistake. */
    public static Caller current() {
        Caller caller = KEY.get();
        if (caller == null) {
            throw new AssertionError("every vfleet method with a role rule passes CallerInterceptor first");
        }
        return caller;
    }

    /** The caller of this call if it proved one (a method its service authorizes may have none). */
    public static java.util.Optional<Caller> ifAny() {
        return java.util.Optional.ofNullable(KEY.get());
    }
}
