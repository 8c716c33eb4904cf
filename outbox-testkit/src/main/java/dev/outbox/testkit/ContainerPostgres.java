package dev.outbox.testkit;

import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL in a container (Testcontainers' PostgreSQL module) with the embedded server's settings:
 * {@code wal_level=logical}, 32 replication slots and WAL senders, 300 connections, fsync off,
 * {@code synchronous_commit=on}. The image is {@value #IMAGE_VARIABLE}, default {@value #DEFAULT_IMAGE}; any image
 * honouring the postgres image's start-up contract may replace it.
 */
final class ContainerPostgres implements Postgres {

    static final String IMAGE_VARIABLE = "OUTBOX_TESTKIT_POSTGRES_IMAGE";
    static final String DEFAULT_IMAGE = "postgres:18";

    private static final Logger log = LoggerFactory.getLogger(ContainerPostgres.class);

    private final PostgreSQLContainer container;
    private final String host;
    private final int port;

    private ContainerPostgres(PostgreSQLContainer container) {
        this.container = container;
        this.host = container.getHost();
        this.port = container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    static ContainerPostgres start(Map<String, String> environment) {
        String image = environment.getOrDefault(IMAGE_VARIABLE, DEFAULT_IMAGE);
        long started = System.nanoTime();
        PostgreSQLContainer container = new PostgreSQLContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withUsername("postgres")
                .withPassword("postgres")
                .withDatabaseName("postgres")
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=32",
                        "-c", "max_wal_senders=32", "-c", "max_connections=300", "-c", "fsync=off",
                        "-c", "full_page_writes=off", "-c", "synchronous_commit=on")
                .withStartupTimeout(Duration.ofMinutes(3));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException("The PostgreSQL container (" + image + ") did not start: " + e.getMessage()
                    + ". Check the container engine (DOCKER_HOST) and " + IMAGE_VARIABLE + ", or unset "
                    + TestkitBackend.VARIABLE + " to use the embedded PostgreSQL", e);
        }
        ContainerPostgres postgres = new ContainerPostgres(container);
        log.info("PostgreSQL container {} started on {}:{} in {} ms", image, postgres.host, postgres.port,
                (System.nanoTime() - started) / 1_000_000);
        return postgres;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return container.getUsername();
    }

    @Override
    public String password() {
        return container.getPassword();
    }

    @Override
    public TestDatabase createDatabase(String name) {
        return TestDatabase.create(this, name);
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "ContainerPostgres[" + host + ":" + port + "]";
    }
}
