package io.vfleet.stack;

/**
 * The PostgreSQL server the services keep their schemas in: one server, one database, one schema per
 * service, each owned by that service's own role, which can reach nothing else.
 */
public sealed interface Database extends AutoCloseable permits EmbeddedDatabase, ExternalDatabase {

    /** Makes the server ready for the services: runs it and prepares their roles, or checks that they are there. */
    void start();

    String jdbcUrl();

    /** The role the service of {@code schema} connects as. */
    DatabaseRole role(ServiceSchema schema);

    /** One line for the listing of where everything runs. */
    String describe();

    @Override
    void close();
}
