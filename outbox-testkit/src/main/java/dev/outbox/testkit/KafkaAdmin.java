package dev.outbox.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.ResourcePattern;

/** Admin calls the test kit needs: readiness, SCRAM users, ACLs and topic creation. */
final class KafkaAdmin {

    private KafkaAdmin() {
    }

    static Admin connect(String bootstrapServers, Duration timeout) {
        return connect(bootstrapServers, Map.of(), timeout);
    }

    /** With client settings such as a login ({@link SecuredListeners#clientSettings}). */
    static Admin connect(String bootstrapServers, Map<String, String> clientSettings, Duration timeout) {
        int millis = (int) timeout.toMillis();
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        return Admin.create(settings);
    }

    /** Waits until the broker answers a metadata request and reports itself in the cluster. */
    static void awaitReady(String bootstrapServers) {
        awaitReady(bootstrapServers, Duration.ofSeconds(60), "Kafka at " + bootstrapServers);
    }

    static void awaitReady(String bootstrapServers, Duration timeout, String what) {
        awaitReady(bootstrapServers, Map.of(), timeout, what);
    }

    /**
     * Like {@link #awaitReady(String, Duration, String)}, logged in with {@code clientSettings}. A refused login is
     * asked again until the timeout: a new SCRAM user reaches the listeners shortly after it was created.
     */
    static void awaitReady(String bootstrapServers, Map<String, String> clientSettings, Duration timeout,
            String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Admin admin = connect(bootstrapServers, clientSettings, timeout)) {
                var nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (nodes.isEmpty()) {
                    throw new IllegalStateException(what + " reports no broker");
                }
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof AuthenticationException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException(what + " did not answer within " + timeout.toSeconds() + " s: "
                            + e.getCause(), e);
                }
                pause(what);
            } catch (TimeoutException e) {
                throw new IllegalStateException(what + " did not answer within " + timeout.toSeconds() + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private static void pause(String what) {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + what, e);
        }
    }

    /** Creates (or updates) a SCRAM-SHA-512 user. */
    static void addScramUser(String bootstrapServers, String user, String password) {
        try (Admin admin = connect(bootstrapServers, Duration.ofSeconds(30))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the SCRAM user " + user + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the SCRAM user " + user, e);
        }
    }

    /**
     * Adds an ALLOW entry per operation for {@code principal} on {@code resource}, then waits until the broker
     * lists them (the authorizer applies ACLs from the metadata log, shortly after the call returns).
     */
    static void allow(String bootstrapServers, String principal, ResourcePattern resource, AclOperation... operations) {
        List<AclBinding> bindings = new ArrayList<>();
        for (AclOperation operation : operations) {
            bindings.add(new AclBinding(resource, new AccessControlEntry(principal, "*", operation,
                    AclPermissionType.ALLOW)));
        }
        try (Admin admin = connect(bootstrapServers, Duration.ofSeconds(30))) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)
                    .containsAll(bindings)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker does not list the ACLs " + bindings + " after 30 s");
                }
                pause("ACLs of " + principal);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not grant " + principal + " " + List.of(operations) + " on "
                    + resource + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while granting ACLs to " + principal, e);
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
