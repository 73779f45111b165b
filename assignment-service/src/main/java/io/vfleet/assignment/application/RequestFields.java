package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Paging;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Note;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one check of what requests carry, whatever edge they came through: each field's form and range,
 * collected so that one refusal names every field at fault ({@link InvalidRequest}). The edges only
 * decode their wire format (JSON, protobuf) into the values given here, and name the fields in their
 * own vocabulary when they answer; so a class code over 24 bits is refused the same way on REST and
 * gRPC.
 *
 * <p>Fields are named in the application's terms: {@code selector.classCode}, {@code devices[2]}.
 * An absent value is null; an edge without null (proto3) passes null for its empty value.
 */
public final class RequestFields {

    /** The most devices one assignment may name or ask for. */
    public static final int MAX_DEVICES = 64;
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 200;
    public static final int DEFAULT_PAGE_SIZE = 50;

    private final List<InvalidRequest.Fault> faults = new ArrayList<>();

    /** A tenant or node name; null when absent and not required. */
    public String name(String field, String value, boolean required) {
        if (value == null) {
            if (required) {
                fault(field, "is required");
            }
            return null;
        }
        if (!Identifiers.isName(value)) {
            fault(field, "must be a name: a letter or digit, then up to 62 letters, digits, '.', '_' or '-'");
        }
        return value;
    }

    /** A PCI BDF; null when absent and not required. */
    public String bdf(String field, String value, boolean required) {
        if (value == null) {
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

    /** At most {@link #MAX_DEVICES} BDFs, none twice; empty when absent. */
    public List<String> bdfs(String field, List<String> values) {
        if (values == null) {
            return List.of();
        }
        if (values.size() > MAX_DEVICES) {
            fault(field, "names " + values.size() + " devices, more than " + MAX_DEVICES);
            return values;
        }
        for (int index = 0; index < values.size(); index++) {
            bdf(field + "[" + index + "]", values.get(index), true);
        }
        if (values.stream().distinct().count() != values.size()) {
            fault(field, "names a device twice");
        }
        return values;
    }

    /** An integer from {@code min} to {@code max}; null when absent and not required. */
    public Long range(String field, Long value, long min, long max, boolean required) {
        if (value == null) {
            if (required) {
                fault(field, "is required");
            }
            return null;
        }
        if (value < min || value > max) {
            fault(field, "must be from " + min + " to " + max + ", not " + value);
        }
        return value;
    }

    /** A PCI id of {@code bits} bits (16 for a vendor or device id, 24 for a class code); null when absent. */
    public Integer pciId(String field, Long value, int bits) {
        if (value == null) {
            return null;
        }
        long max = (1L << bits) - 1;
        if (value < 0 || value > max) {
            fault(field, "must fit " + bits + " bits (0 to 0x" + Long.toHexString(max) + "), not 0x" + Long.toHexString(value));
            return null;
        }
        return value.intValue();
    }

    public Boolean required(String field, Boolean value) {
        if (value == null) {
            fault(field, "is required");
        }
        return value;
    }

    /** Up to {@link #MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters; null when absent. */
    public String idempotencyKey(String field, String value) {
        if (value == null) {
            return null;
        }
        if (value.isEmpty() || value.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            fault(field, "must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " characters");
        } else if (!value.chars().allMatch(character -> character > ' ' && character < 0x7f)) {
            fault(field, "must be visible ASCII characters, no spaces");
        }
        return value;
    }

    /** Which page of a listing: zero-based {@code page}, {@code size} from 1 to {@link Paging#MAX_SIZE}, defaults when absent. */
    public Paging paging(Long page, Long size) {
        Long checkedPage = range("page", page == null ? 0L : page, 0, Integer.MAX_VALUE, true);
        Long checkedSize = range("size", size == null ? (long) DEFAULT_PAGE_SIZE : size, 1, Paging.MAX_SIZE, true);
        if (checkedPage < 0 || checkedPage > Integer.MAX_VALUE || checkedSize < 1 || checkedSize > Paging.MAX_SIZE) {
            return null;
        }
        return new Paging(checkedPage.intValue(), checkedSize.intValue());
    }

    /** A signed checkpoint's form; whether a trusted key signed it is what verifying answers. */
    public void checkpointNote(String field, String note) {
        if (note.getBytes(StandardCharsets.UTF_8).length > Note.MAX_BYTES) {
            fault(field, "must be a signed checkpoint of at most " + Note.MAX_BYTES + " bytes");
            return;
        }
        try {
            Checkpoint.parse(Note.parse(note).text());
        } catch (Note.Refused | IllegalArgumentException malformed) {
            fault(field, "must be a signed checkpoint: " + malformed.getMessage());
        }
    }

    public void fault(String field, String reason) {
        faults.add(new InvalidRequest.Fault(field, reason));
    }

    public boolean valid() {
        return faults.isEmpty();
    }

    /** Ends the request with {@link InvalidRequest} naming every field at fault, if any was. */
    public void requireValid() {
        if (!faults.isEmpty()) {
            throw new InvalidRequest(faults);
        }
    }
}
