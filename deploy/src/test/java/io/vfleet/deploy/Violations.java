package io.vfleet.deploy;

import java.util.ArrayList;
import java.util.List;

/** What the checks found wrong, each naming the file and the object it is in. */
final class Violations {
    private final List<String> found = new ArrayList<>();

    void add(String where, String what) {
        found.add(where + ": " + what);
    }

    void addAll(List<String> problems) {
        found.addAll(problems);
    }

    List<String> list() {
        return List.copyOf(found);
    }
}
