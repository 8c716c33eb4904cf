package dev.outbox.spring;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code outbox.*} settings of outbox-spring-boot-starter. Every default is stated on its field; the publishing
 * defaults are literals (so that the configuration metadata shows them) equal to {@code OutboxConfig.defaults()}.
 */
@ConfigurationProperties("outbox")
public class OutboxProperties {

    /** The outbox table, optionally schema-qualified (a lower-case SQL identifier). */
    private String table = "outbox";

    /** The largest payload that may be published, in UTF-8 bytes of its JSON. */
    private int maxPayloadBytes = 900000;

    /** Delete every outbox row in the same transaction right after its insert (the relay reads the WAL). */
    private boolean deleteAfterInsert = false;

    private final Schema schema = new Schema();
    private final Consumer consumer = new Consumer();
    private final SagaTimeouts sagaTimeouts = new SagaTimeouts();

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public int getMaxPayloadBytes() {
        return maxPayloadBytes;
    }

    public void setMaxPayloadBytes(int maxPayloadBytes) {
        this.maxPayloadBytes = maxPayloadBytes;
    }

    public boolean isDeleteAfterInsert() {
        return deleteAfterInsert;
    }

    public void setDeleteAfterInsert(boolean deleteAfterInsert) {
        this.deleteAfterInsert = deleteAfterInsert;
    }

    public Schema getSchema() {
        return schema;
    }

    public Consumer getConsumer() {
        return consumer;
    }

    public SagaTimeouts getSagaTimeouts() {
        return sagaTimeouts;
    }

    /** The library's tables. */
    public static class Schema {

        /**
         * Apply the library migrations (classpath:dev/outbox/db/migration, history table flyway_history_outbox) at
         * start-up when Flyway is on the classpath.
         */
        private boolean migrate = true;

        /** The publication the library migration creates for the relay. */
        private String publication = "outbox_pub";

        public boolean isMigrate() {
            return migrate;
        }

        public void setMigrate(boolean migrate) {
            this.migrate = migrate;
        }

        public String getPublication() {
            return publication;
        }

        public void setPublication(String publication) {
            this.publication = publication;
        }
    }

    /** The idempotent consumer run for the application's OutboxConsumerConfigurer beans. */
    public static class Consumer {

        /** Start the consumer when at least one OutboxConsumerConfigurer bean exists. */
        private boolean enabled = true;

        /** Kafka bootstrap.servers of the consumer and its dead-letter producer. */
        private String bootstrapServers = "localhost:9092";

        /**
         * The Kafka consumer group, also the inbox key (processed_event.consumer_group) and the default group of
         * TransactionalInbox. Defaults to spring.application.name.
         */
        private String group;

        /** Attempts before a failing record goes to the dead-letter topic. */
        private int maxAttempts = 5;

        /** Partitions handled side by side (order per partition is kept). */
        private int concurrency = 1;

        /** Suffix of the dead-letter topic (original topic + suffix). */
        private String deadLetterSuffix = "-dlt";

        /** Longest wait of one poll. */
        private Duration pollTimeout = Duration.ofMillis(500);

        /** Most records of one partition handled in one database transaction (1 turns batching off). */
        private int batchSize = 100;

        /** How often the offsets of handled records are committed to Kafka (0: after every poll). */
        private Duration offsetCommitInterval = Duration.ofMillis(100);

        /** How long the broker waits for a heartbeat before it gives a member's partitions to the others. */
        private Duration sessionTimeout = Duration.ofSeconds(10);

        /**
         * Static group membership (group.instance.id): a name stable across restarts of this instance and unique
         * among the instances running, e.g. a StatefulSet pod's name. A restarted instance gets its partitions back
         * as soon as it joins. Default: none (dynamic membership).
         */
        private String instanceId;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getBootstrapServers() {
            return bootstrapServers;
        }

        public void setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        public String getGroup() {
            return group;
        }

        public void setGroup(String group) {
            this.group = group;
        }

        public int getMaxAttempts() {
            return maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public int getConcurrency() {
            return concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public String getDeadLetterSuffix() {
            return deadLetterSuffix;
        }

        public void setDeadLetterSuffix(String deadLetterSuffix) {
            this.deadLetterSuffix = deadLetterSuffix;
        }

        public Duration getPollTimeout() {
            return pollTimeout;
        }

        public void setPollTimeout(Duration pollTimeout) {
            this.pollTimeout = pollTimeout;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        public Duration getOffsetCommitInterval() {
            return offsetCommitInterval;
        }

        public void setOffsetCommitInterval(Duration offsetCommitInterval) {
            this.offsetCommitInterval = offsetCommitInterval;
        }

        public Duration getSessionTimeout() {
            return sessionTimeout;
        }

        public void setSessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
        }

        public String getInstanceId() {
            return instanceId;
        }

        public void setInstanceId(String instanceId) {
            this.instanceId = instanceId;
        }
    }

    /** The saga timeout scanner, run for the application's TimeoutHandler bean. */
    public static class SagaTimeouts {

        /** Scan saga_log for expired PENDING steps (needs a TimeoutHandler bean). */
        private boolean enabled = false;

        /** Delay between the end of one scan and the start of the next. */
        private Duration interval = Duration.ofSeconds(1);

        /** Steps claimed per transaction. */
        private int batchSize = 100;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public int getBatchSize() {
            return batchSize;
        }

        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }
    }
}
