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

    /** One line for the listing of where everything runs. */
    String describe();

    @Override
    void close();
}
