package dev.outbox.testkit;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server and Kafka broker shared by everything in this JVM, each started on first use and
 * stopped when the JVM's tests end (or at JVM exit).
 *
 * <p>Which servers: where {@code OUTBOX_TEST_PG_URL} (with {@code OUTBOX_TEST_PG_USER},
 * {@code OUTBOX_TEST_PG_PASSWORD}) or {@code OUTBOX_TEST_KAFKA_BOOTSTRAP_SERVERS} are set, those external
 * servers; otherwise, with {@code OUTBOX_TESTKIT_BACKEND=testcontainers} (or {@code auto} and a container engine
 * answering), containers ({@link TestkitBackend}); otherwise the embedded PostgreSQL 18 and the in-JVM KRaft broker.
 * An external server that does not answer fails fast with a message naming its variable.
 */
public final class TestInfra {

    private static final Logger log = LoggerFactory.getLogger(TestInfra.class);

    private static Postgres postgres;
    private static Kafka kafka;
    private static boolean shutdownHookAdded;

    private TestInfra() {
    }

    public static synchronized Postgres postgres() {
        if (postgres == null) {
            postgres = postgresFrom(System.getenv());
            addShutdownHook();
        }
        return postgres;
    }

    public static synchronized Kafka kafka() {
        if (kafka == null) {
            kafka = kafkaFrom(System.getenv());
            addShutdownHook();
        }
        return kafka;
    }

    /** Starts both servers at once (in parallel) and returns when both are ready. */
    public static void startAll() {
        CompletableFuture<Postgres> pg = CompletableFuture.supplyAsync(TestInfra::postgres);
        CompletableFuture<Kafka> broker = CompletableFuture.supplyAsync(TestInfra::kafka);
        CompletableFuture.allOf(pg, broker).join();
    }

    static Postgres postgresFrom(Map<String, String> environment) {
        String url = environment.get(ExternalPostgres.URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            log.info("Using the external PostgreSQL at {}", url);
            return new ExternalPostgres(url,
                    environment.getOrDefault(ExternalPostgres.USER_VARIABLE, "postgres"),
                    environment.getOrDefault(ExternalPostgres.PASSWORD_VARIABLE, ""));
        }
        if (TestkitBackend.from(environment) == TestkitBackend.TESTCONTAINERS) {
            return ContainerPostgres.start(environment);
        }
        return EmbeddedPostgresServer.start();
    }

    static Kafka kafkaFrom(Map<String, String> environment) {
        String bootstrap = environment.get(ExternalKafka.BOOTSTRAP_VARIABLE);
        if (bootstrap != null && !bootstrap.isBlank()) {
            log.info("Using the external Kafka at {}", bootstrap);
            return new ExternalKafka(bootstrap);
        }
        if (TestkitBackend.from(environment) == TestkitBackend.TESTCONTAINERS) {
            return ContainerKafka.start(environment);
        }
        return EmbeddedKafkaBroker.start();
    }

    /** Stops what this class started. Safe to call more than once. */
    public static synchronized void stopAll() {
        // Kafka first: its clients in tests may still be closing, PostgreSQL has no such dependants.
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    private static void addShutdownHook() {
        if (!shutdownHookAdded) {
            Runtime.getRuntime().addShutdownHook(new Thread(TestInfra::stopAll, "outbox-test-infra-shutdown"));
            shutdownHookAdded = true;
        }
    }
}
