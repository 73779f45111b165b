package io.vfleet.inventory.domain;

import java.util.List;

/**
 * One page of a longer answer.
 *
 * @param page  the page's number, from 0
 * @param total how many items all pages hold together
 */
public record PageOf<T>(List<T> items, int page, int size, long total) {

    public PageOf {
        items = List.copyOf(items);
    }

    public long pages() {
        return size == 0 ? 0 : (total + size - 1) / size;
    }
}
