package io.vfleet.rest;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A refusal an operation gives besides those every operation can ({@link ApiDescription}): its status
 * and when. The API's description lists it, with the problem content, next to the operation's answers.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(Refuses.All.class)
public @interface Refuses {

    /** The HTTP status: 404, 409, 410... */
    int status();

    /** When the operation answers it. */
    String when();

    /** The container of an operation's several {@link Refuses}. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface All {
        Refuses[] value();
    }
}
