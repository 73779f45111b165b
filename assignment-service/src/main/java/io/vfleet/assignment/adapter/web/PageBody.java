package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.application.port.Page;
import java.util.List;

/** A page of a listing as JSON. */
record PageBody<T>(List<T> items, int page, int size, long total) {

    static <T> PageBody<T> of(Page<T> page) {
        return new PageBody<>(page.items(), page.page(), page.size(), page.total());
    }
}
