package io.vfleet.assignment.application.port;

/** Which page of a listing: zero-based, with at most {@link #MAX_SIZE} items. */
public record Paging(int page, int size) {

    public static final int MAX_SIZE = 500;

    public Paging {
        if (page < 0) {
            throw new IllegalArgumentException("page must not be negative, was " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ", was " + size);
        }
    }

    public long offset() {
        return (long) page * size;
    }
}
