package io.vfleet.inventory.adapter.web;

/** The bounds every paged endpoint keeps, so that one request cannot ask for the whole fleet at once. */
final class Paging {
    static final int MAX_SIZE = 500;

    private Paging() {
    }

    static void check(int page, int size) {
        if (page < 0) {
            throw new IllegalArgumentException("page: must be 0 or more, got " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size: must be from 1 to " + MAX_SIZE + ", got " + size);
        }
    }
}
