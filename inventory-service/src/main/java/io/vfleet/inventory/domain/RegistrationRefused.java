package io.vfleet.inventory.domain;

import java.util.List;

/**
 * A registration that breaks a {@link RegistrationRules} rule, refused whole: nothing of it is stored.
 * Each problem names the field, as a path into the registration, and what is wrong with it.
 */
public final class RegistrationRefused extends RuntimeException {
    private final List<String> problems;

    public RegistrationRefused(String node, List<String> problems) {
        super("registration of node '" + node + "' refused: " + String.join("; ", problems));
        if (problems.isEmpty()) {
            throw new AssertionError("a refusal names at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
