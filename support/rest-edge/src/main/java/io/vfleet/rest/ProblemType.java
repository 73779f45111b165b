package io.vfleet.rest;

import java.net.URI;

/**
 * The one vocabulary of RFC 9457 problem {@code type}s that every vfleet service answers with, its
 * framework's own refusals (an unknown path, a wrong method or media type) and its security filters'
 * included. Each type is the URN {@code urn:vfleet:problem:<name>}; a client may switch on it, and
 * {@code status} and {@code title} always agree with it.
 *
 * <p>Bad input is always {@link #BAD_REQUEST} with an {@code errors} member, {@code [{field, reason}]},
 * naming every field, parameter or header at fault; nothing was changed. A refused assignment is
 * {@link #ASSIGNMENT_REFUSED} with {@code violations}, {@code [{rule, device, detail}]}.
 */
public enum ProblemType {
    /** 400: the request cannot mean anything; {@code errors} names each field at fault and why. */
    BAD_REQUEST(400, "bad-request", "Bad request"),
    /** 401: no credentials, or unknown ones. */
    UNAUTHENTICATED(401, "unauthenticated", "Unauthenticated"),
    /** 403: the caller's role or scope does not allow this. */
    FORBIDDEN(403, "forbidden", "Forbidden"),
    /** 404: no such resource, or none the caller may see. */
    NOT_FOUND(404, "not-found", "Not found"),
    /** 405: the resource exists but not with this method; {@code Allow} lists those it has. */
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    /** 406: the resource has no representation the {@code Accept} header accepts. */
    NOT_ACCEPTABLE(406, "not-acceptable", "Not acceptable"),
    /** 409: valid, but the current state does not allow it (a reused idempotency key, a wrong state). */
    CONFLICT(409, "conflict", "Conflict"),
    /** 409: the assignment rules refuse it; {@code violations} lists every rule broken. */
    ASSIGNMENT_REFUSED(409, "assignment-refused", "Assignment refused"),
    /**
     * 410: a watch asked to resume from a revision the change log no longer reaches; list again, then
     * watch from the listing's revision ({@code oldestResumableRevision} says how far back it reaches now).
     */
    RELIST_REQUIRED(410, "relist-required", "List again"),
    /** 413: the request body is larger than the API accepts; nothing of it was read. */
    PAYLOAD_TOO_LARGE(413, "payload-too-large", "Payload too large"),
    /** 415: a body of a media type the resource does not read (JSON is {@code application/json}). */
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    /** 500: a bug; the service's log has the details, the answer has none. */
    INTERNAL_ERROR(500, "internal-error", "Internal error"),
    /** 503: the service cannot serve now (its database is away, it is stopping); retry later. */
    UNAVAILABLE(503, "unavailable", "Service unavailable");

    /** Every type URI starts with this. */
    public static final String PREFIX = "urn:vfleet:problem:";

    private final int status;
    private final String name;
    private final String title;

    ProblemType(int status, String name, String title) {
        this.status = status;
        this.name = name;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public URI uri() {
        return URI.create(PREFIX + name);
    }

    /**
     * The general type of a status the framework answered on its own: the one listed for it, else
     * {@link #BAD_REQUEST} for another client error and {@link #INTERNAL_ERROR} for anything else.
     */
    public static ProblemType forStatus(int status) {
        for (ProblemType type : values()) {
            // ASSIGNMENT_REFUSED is never a framework's answer: CONFLICT comes first for 409.
            if (type.status == status) {
                return type;
            }
        }
        return status >= 400 && status < 500 ? BAD_REQUEST : INTERNAL_ERROR;
    }
}
