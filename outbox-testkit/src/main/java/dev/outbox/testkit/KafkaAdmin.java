package dev.outbox.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Admin calls the test kit needs: readiness and topic creation. */
final class KafkaAdmin {

    private KafkaAdmin() {
    }

    static Admin connect(String bootstrapServers, Duration timeout) {
        int millis = (int) timeout.toMillis();
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis));
    }

    /** Waits until the broker answers a metadata request and reports itself in the cluster. */
    static void awaitReady(String bootstrapServers) {
        awaitReady(bootstrapServers, Duration.ofSeconds(60), "Kafka at " + bootstrapServers);
    }

    static void awaitReady(String bootstrapServers, Duration timeout, String what) {
        try (Admin admin = connect(bootstrapServers, timeout)) {
            var nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (nodes.isEmpty()) {
                throw new IllegalStateException(what + " reports no broker");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(what + " did not answer within " + timeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    static void createTopic(String bootstrapServers, String name, int partitions, Map<String, String> configs) {
        try (Admin admin = connect(bootstrapServers, Duration.ofSeconds(30))) {
            try {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + name + ": " + e.getCause(), e);
                }
            }
            // The leader is elected asynchronously; the topic is usable once every partition has one.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try {
                    var description = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
                    if (description.partitions().stream().allMatch(p -> p.leader() != null
                            && !p.leader().isEmpty())) {
                        return;
                    }
                } catch (ExecutionException e) {
                    // On a loaded machine the new topic may not be in the metadata yet: ask again until the deadline.
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " has no leader after 30 s");
                }
                Thread.onSpinWait();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not describe topic " + name + ": " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }
}
