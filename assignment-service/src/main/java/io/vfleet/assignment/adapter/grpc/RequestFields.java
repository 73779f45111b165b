package io.vfleet.assignment.adapter.grpc;

import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest;
import io.vfleet.assignment.application.Identifiers;
import io.vfleet.assignment.application.port.Paging;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the form of one request's fields, as the REST API's bean validation does, and collects
 * every field at fault so that one answer names them all. Proto3 has no null: an empty string is
 * an absent field.
 */
final class RequestFields {

    static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_KEY_LENGTH = 200;
    private static final int MAX_DEVICES = 64;
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    private final List<BadRequest.FieldViolation> faults = new ArrayList<>();

    /** A tenant or node name; null when absent and not required. */
    String name(String field, String value, boolean required) {
        if (value.isEmpty()) {
            if (required) {
                fault(field, "is required");
            }
            return null;
        }
        if (!Identifiers.isName(value)) {
            fault(field, "must match " + Identifiers.NAME);
        }
        return value;
    }

    /** A PCI BDF; null when absent and not required. */
    String bdf(String field, String value, boolean required) {
        if (value.isEmpty()) {
            if (required) {
                fault(field, "is required");
            }
            return null;
        }
        if (!Identifiers.isBdf(value)) {
            fault(field, "must be a PCI BDF such as 0000:3b:00.0");
        }
        return value;
    }

    List<String> bdfs(String field, List<String> values) {
        if (values.size() > MAX_DEVICES) {
            fault(field, "names more than " + MAX_DEVICES + " devices");
        }
        for (int index = 0; index < values.size(); index++) {
            bdf(field + "[" + index + "]", values.get(index), true);
        }
        return values;
    }

    String idempotencyKey(String field, String value) {
        if (value.length() > MAX_KEY_LENGTH) {
            fault(field, "must be at most " + MAX_KEY_LENGTH + " characters");
        }
        return value.isEmpty() ? null : value;
    }

    String required(String field, String value) {
        if (value.isEmpty()) {
            fault(field, "is required");
        }
        return value;
    }

    int count(String field, int value) {
        if (value < 1 || value > MAX_DEVICES) {
            fault(field, "must be between 1 and " + MAX_DEVICES);
        }
        return value;
    }

    /** An unsigned 32-bit field that must fit a Java int. */
    int nonNegativeInt(String field, int unsigned) {
        if (unsigned < 0) {
            fault(field, "must be at most " + Integer.MAX_VALUE);
        }
        return unsigned;
    }

    /** An unsigned 64-bit field that must fit a Java long. */
    long nonNegativeLong(String field, long unsigned) {
        if (unsigned < 0) {
            fault(field, "must be at most " + Long.MAX_VALUE);
        }
        return unsigned;
    }

    /** A signed checkpoint's form (whether a trusted key signed it is what verifying answers). */
    void checkpointNote(String field, String note) {
        if (note.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > io.vfleet.tlog.Note.MAX_BYTES) {
            fault(field, "must be at most " + io.vfleet.tlog.Note.MAX_BYTES + " bytes");
            return;
        }
        try {
            io.vfleet.tlog.Checkpoint.parse(io.vfleet.tlog.Note.parse(note).text());
        } catch (io.vfleet.tlog.Note.Refused | IllegalArgumentException malformed) {
            fault(field, "must be a signed checkpoint: " + malformed.getMessage());
        }
    }

    /** The page and size of a listing; a size of 0 means the default. */
    Paging paging(int page, int size) {
        int effectiveSize = size == 0 ? DEFAULT_PAGE_SIZE : size;
        if (page < 0) {
            fault("page", "must be at most " + Integer.MAX_VALUE);
        }
        if (effectiveSize < 1 || effectiveSize > Paging.MAX_SIZE) {
            fault("size", "must be between 1 and " + Paging.MAX_SIZE);
        }
        return faults.isEmpty() ? new Paging(page, effectiveSize) : null;
    }

    /** A timestamp within the range google.protobuf.Timestamp allows; null when absent. */
    Instant instant(String field, boolean present, Timestamp value) {
        if (!present) {
            return null;
        }
        if (value.getSeconds() < MIN_SECONDS || value.getSeconds() > MAX_SECONDS
                || value.getNanos() < 0 || value.getNanos() > 999_999_999) {
            fault(field, "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z");
            return null;
        }
        return Instant.ofEpochSecond(value.getSeconds(), value.getNanos());
    }

    void fault(String field, String reason) {
        faults.add(AssignmentStatus.field(field, reason));
    }

    /** Ends the request with INVALID_ARGUMENT if any field was at fault. */
    void requireValid() {
        if (!faults.isEmpty()) {
            throw new AssignmentStatus.InvalidFields(faults);
        }
    }
}
