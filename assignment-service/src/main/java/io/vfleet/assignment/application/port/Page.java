package io.vfleet.assignment.application.port;

import java.util.List;
import java.util.function.Function;

/** One page of a listing, with the total count of items across all pages. */
public record Page<T>(List<T> items, int page, int size, long total) {

    public Page {
        items = List.copyOf(items);
    }

    public <U> Page<U> map(Function<T, U> mapping) {
        return new Page<>(items.stream().map(mapping).toList(), page, size, total);
    }
}
