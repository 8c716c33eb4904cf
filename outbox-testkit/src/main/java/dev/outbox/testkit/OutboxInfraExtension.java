package dev.outbox.testkit;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands tests the JVM-wide servers of {@link TestInfra} and a fresh {@link TestDatabase} per test class.
 * Use through {@link OutboxInfraTest}.
 */
public final class OutboxInfraExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(OutboxInfraExtension.class);
    private static final Set<Class<?>> SUPPORTED =
            Set.of(Postgres.class, Kafka.class, TestDatabase.class, DataSource.class, DSLContext.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return SUPPORTED.contains(parameter.getParameter().getType());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == Postgres.class) {
            return sharedServers(context).postgres();
        }
        if (type == Kafka.class) {
            return sharedServers(context).kafka();
        }
        TestDatabase database = classDatabase(context);
        if (type == TestDatabase.class) {
            return database;
        }
        if (type == DataSource.class) {
            return database.dataSource();
        }
        if (type == DSLContext.class) {
            return database.dsl();
        }
        throw new ParameterResolutionException("unsupported parameter type " + type);
    }

    /** Registered in the root store so that JUnit stops the servers when the last test of the JVM ends. */
    private static SharedServers sharedServers(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedServers.class, key -> new SharedServers(), SharedServers.class);
    }

    private static TestDatabase classDatabase(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() || classContext.getTestClass().orElse(null) != testClass) {
            classContext = classContext.getParent().orElseThrow();
        }
        SharedServers servers = sharedServers(context);
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(TestDatabase.class,
                key -> servers.postgres().createDatabase(databaseName(testClass)), TestDatabase.class);
    }

    static String databaseName(Class<?> testClass) {
        String base = testClass.getSimpleName().replaceAll("[^A-Za-z0-9]", "_").toLowerCase(Locale.ROOT);
        if (base.length() > 40) {
            base = base.substring(0, 40);
        }
        return "t_" + base + "_" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 25), 36);
    }

    private static final class SharedServers implements AutoCloseable {
        Postgres postgres() {
            return TestInfra.postgres();
        }

        Kafka kafka() {
            return TestInfra.kafka();
        }

        @Override
        public void close() {
            TestInfra.stopAll();
        }
    }
}
