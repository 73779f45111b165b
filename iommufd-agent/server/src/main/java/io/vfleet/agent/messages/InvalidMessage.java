package io.vfleet.agent.messages;

/** A message that cannot be said to the kernel: {@link #field()} names the field, the message says why. */
public final class InvalidMessage extends IllegalArgumentException {
    private final String field;
    private final String reason;

    public InvalidMessage(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
