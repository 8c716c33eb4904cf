package dev.outbox.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs the real PostgreSQL and Kafka. Test constructors, lifecycle and test methods
 * may then declare parameters of type {@link Postgres}, {@link Kafka}, {@link TestDatabase},
 * {@link javax.sql.DataSource} or {@link org.jooq.DSLContext}; the database ones refer to one fresh database
 * per test class, dropped (with its replication slots) after the class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(OutboxInfraExtension.class)
public @interface OutboxInfraTest {
}
