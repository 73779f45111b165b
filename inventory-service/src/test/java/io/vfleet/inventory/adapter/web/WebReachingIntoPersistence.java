package io.vfleet.inventory.adapter.web;

import jakarta.persistence.EntityManager;

/** A deliberate violation for DependencyWhitelistTest: the REST adapter reaching past the use cases into JPA. */
public final class WebReachingIntoPersistence {
    private WebReachingIntoPersistence() {}

    static String name() {
        return EntityManager.class.getName();
    }
}
