package io.vfleet.stack;

/**
 * The PostgreSQL server the services keep their schemas in: one server, one schema per service,
 * each created by the service that owns it.
 */
public sealed interface Database extends AutoCloseable permits EmbeddedDatabase, ExternalDatabase {

    /** Makes the server ready for the services: runs it, or checks that it answers. */
    void start();

    String jdbcUrl();

    String user();

    String password();

    /**
     * The role the assignment service connects as: it may read and append the audit log, never change
     * it, so it is not the role that owns the schema ({@link #assignmentOwner()}), which runs its migrations.
     * A server that offers no such pair gives its one user for both, and the service refuses to start.
     */
    default String assignmentService() {
        return user();
    }

    default String assignmentOwner() {
        return user();
    }

    /** One line for the listing of where everything runs. */
    String describe();

    @Override
    void close();
}
