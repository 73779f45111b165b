package io.vfleet.stack;

/**
 * The PostgreSQL server the services keep their schemas in: one server, one database, one schema per
 * service, each owned by that service's own role, which can reach nothing else; the assignment
 * service connects as a second role of its own, which owns nothing (see {@link ServiceSchema}).
 */
public sealed interface Database extends AutoCloseable permits EmbeddedDatabase, ExternalDatabase {

    /** Makes the server ready for the services: runs it and prepares their roles, or checks that they are there. */
    void start();

    String jdbcUrl();

    /** The role that owns the schema of {@code schema} and runs its migrations. */
    DatabaseRole role(ServiceSchema schema);

    /**
     * The role the service of {@code schema} connects as: its owner, or a role of its own that owns
     * nothing where the schema names one ({@link ServiceSchema#defaultServiceRole()}).
     */
    DatabaseRole serviceRole(ServiceSchema schema);

    /** One line for the listing of where everything runs. */
    String describe();

    @Override
    void close();
}
