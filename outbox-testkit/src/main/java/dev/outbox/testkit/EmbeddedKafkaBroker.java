package dev.outbox.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka broker (combined broker and controller) inside this JVM, from the Apache Kafka
 * server artifacts: the storage is formatted, then {@link KafkaRaftServer} is started. Options add secured listeners,
 * turn off topic auto-creation and enforce ACLs, for tests of what a production broker refuses.
 *
 * <p>Configured for one node: every internal topic (offsets, transactions, share state) has replication
 * factor 1 and min ISR 1, so transactional producers and consumer groups work. Topics are auto-created.
 */
public final class EmbeddedKafkaBroker implements Kafka {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    /** The principal of the PLAINTEXT listener, a super user under {@link Options#withAclAuthorizer()}. */
    static final String SUPER_USER = "User:ANONYMOUS";

    /**
     * @param port           client port; 0 picks a free one
     * @param controllerPort KRaft controller port; 0 picks a free one
     * @param logDirectory   where the log lives; empty = a temporary directory deleted on {@link #close()}
     * @param overrides      broker settings applied over the defaults
     * @param secured        SASL_SSL and SASL_PLAINTEXT listeners besides the PLAINTEXT one (on free ports)
     */
    public record Options(int port, int controllerPort, Optional<Path> logDirectory, Map<String, String> overrides,
            Optional<SecuredListeners> secured) {
        public Options {
            overrides = Map.copyOf(overrides);
        }

        public Options(int port, int controllerPort, Optional<Path> logDirectory, Map<String, String> overrides) {
            this(port, controllerPort, logDirectory, overrides, Optional.empty());
        }

        public static Options defaults() {
            return new Options(0, 0, Optional.empty(), Map.of());
        }

        /** Adds the SASL_SSL and SASL_PLAINTEXT listeners of {@code secured}. */
        public Options withSecuredListeners(SecuredListeners secured) {
            return new Options(port, controllerPort, logDirectory, overrides, Optional.of(secured));
        }

        /**
         * A broker that creates no topic on its own ({@code auto.create.topics.enable=false}), as production brokers
         * are often configured: a producer writing to a topic nobody created waits for its metadata.
         */
        public Options withoutTopicAutoCreation() {
            return withOverride("auto.create.topics.enable", "false");
        }

        /**
         * ACLs enforced by KRaft's {@code StandardAuthorizer}: the PLAINTEXT and controller listeners log in as
         * {@code User:ANONYMOUS}, the test kit's super user (the broker itself, topic creation, SCRAM users, ACLs);
         * a SCRAM user of the secured listeners ({@link #withSecuredListeners}) may do only what
         * {@link EmbeddedKafkaBroker#allow} grants it.
         */
        public Options withAclAuthorizer() {
            return withOverride("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                    .withOverride("super.users", SUPER_USER)
                    .withOverride("allow.everyone.if.no.acl.found", "false");
        }

        private Options withOverride(String key, String value) {
            Map<String, String> more = new HashMap<>(overrides);
            more.put(key, value);
            return new Options(port, controllerPort, logDirectory, more, secured);
        }
    }

    private final KafkaRaftServer server;
    private final Path logDirectory;
    private final boolean ownsLogDirectory;
    private final String bootstrapServers;
    private final Map<SecurityProtocol, Integer> securedPorts;
    private final Optional<SecuredListeners> secured;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path logDirectory, boolean ownsLogDirectory, int port,
            Optional<SecuredListeners> secured, Map<SecurityProtocol, Integer> securedPorts) {
        this.server = server;
        this.logDirectory = logDirectory;
        this.ownsLogDirectory = ownsLogDirectory;
        this.bootstrapServers = "127.0.0.1:" + port;
        this.secured = secured;
        this.securedPorts = Map.copyOf(securedPorts);
    }

    public static EmbeddedKafkaBroker start() {
        return start(Options.defaults());
    }

    public static EmbeddedKafkaBroker start(Options options) {
        long started = System.nanoTime();
        int port = options.port() == 0 ? FreePorts.pick() : options.port();
        int controllerPort = options.controllerPort() == 0 ? FreePorts.pick() : options.controllerPort();
        Path logDirectory;
        try {
            logDirectory = options.logDirectory().isPresent()
                    ? Files.createDirectories(options.logDirectory().get())
                    : Files.createTempDirectory("outbox-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the Kafka log directory", e);
        }
        Map<String, String> settings = brokerSettings(port, controllerPort, logDirectory);
        Map<SecurityProtocol, Integer> securedPorts = new EnumMap<>(SecurityProtocol.class);
        options.secured().ifPresent(secured -> {
            securedPorts.put(SecurityProtocol.SASL_SSL, FreePorts.pick());
            securedPorts.put(SecurityProtocol.SASL_PLAINTEXT, FreePorts.pick());
            settings.putAll(secured.brokerSettings(settings, securedPorts.get(SecurityProtocol.SASL_SSL),
                    securedPorts.get(SecurityProtocol.SASL_PLAINTEXT)));
        });
        settings.putAll(options.overrides());
        Properties properties = new Properties();
        properties.putAll(settings);
        KafkaConfig config = KafkaConfig.fromProps(properties);
        format(logDirectory);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, logDirectory,
                options.logDirectory().isEmpty(), port, options.secured(), securedPorts);
        KafkaAdmin.awaitReady(broker.bootstrapServers);
        options.secured().ifPresent(broker::addScramUser);
        log.info("Kafka started on {} (log {}) in {} ms", broker.bootstrapServers, logDirectory,
                (System.nanoTime() - started) / 1_000_000);
        return broker;
    }

    static Map<String, String> brokerSettings(int port, int controllerPort, Path logDirectory) {
        Map<String, String> settings = new HashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", "1");
        settings.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        settings.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        settings.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("log.dirs", logDirectory.toString());
        settings.put("metadata.log.dir", logDirectory.toString());
        settings.put("auto.create.topics.enable", "true");
        settings.put("num.partitions", "1");
        settings.put("default.replication.factor", "1");
        settings.put("min.insync.replicas", "1");
        settings.put("offsets.topic.replication.factor", "1");
        settings.put("offsets.topic.num.partitions", "5");
        settings.put("transaction.state.log.replication.factor", "1");
        settings.put("transaction.state.log.min.isr", "1");
        settings.put("transaction.state.log.num.partitions", "5");
        settings.put("share.coordinator.state.topic.replication.factor", "1");
        settings.put("share.coordinator.state.topic.min.isr", "1");
        settings.put("group.initial.rebalance.delay.ms", "0");
        settings.put("num.network.threads", "2");
        settings.put("num.io.threads", "4");
        settings.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        return settings;
    }

    private static void format(Path logDirectory) {
        if (Files.exists(logDirectory.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(Uuid.randomUuid().toString())
                    .addDirectory(logDirectory.toString())
                    .setMetadataLogDirectory(logDirectory.toString())
                    .setControllerListenerName("CONTROLLER")
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format the Kafka log directory " + logDirectory, e);
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The bootstrap servers of the SASL_SSL or SASL_PLAINTEXT listener ({@link Options#withSecuredListeners}). */
    public String bootstrapServers(SecurityProtocol protocol) {
        Integer securedPort = securedPorts.get(protocol);
        if (securedPort == null) {
            throw new IllegalStateException("this broker has no " + protocol + " listener; start it with "
                    + "Options.withSecuredListeners");
        }
        return "127.0.0.1:" + securedPort;
    }

    /** The secured listeners' certificates and user, when started with them. */
    public SecuredListeners securedListeners() {
        return secured.orElseThrow(() -> new IllegalStateException("this broker has no secured listeners"));
    }

    /** Creates the SCRAM user over the PLAINTEXT listener, then waits until both secured listeners accept it. */
    private void addScramUser(SecuredListeners listeners) {
        KafkaAdmin.addScramUser(bootstrapServers, listeners.user(), listeners.password());
        for (SecurityProtocol protocol : securedPorts.keySet()) {
            KafkaAdmin.awaitReady(bootstrapServers(protocol), listeners.clientSettings(protocol), Duration.ofSeconds(60),
                    "the " + protocol + " listener of Kafka at " + bootstrapServers(protocol));
        }
    }

    /**
     * Grants {@code User:<user>} (a SCRAM user of the secured listeners) {@code operations} on the resources named
     * {@code name} (literal) or starting with it (prefixed), over the super user's PLAINTEXT listener; returns once
     * the broker enforces them. Only meaningful with {@link Options#withAclAuthorizer()}.
     */
    public void allow(String user, ResourceType type, String name, PatternType pattern, AclOperation... operations) {
        KafkaAdmin.allow(bootstrapServers, "User:" + user, new ResourcePattern(type, name, pattern), operations);
    }

    public Path logDirectory() {
        return logDirectory;
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        KafkaAdmin.createTopic(bootstrapServers, name, partitions, configs);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
        if (ownsLogDirectory) {
            Directories.deleteRecursively(logDirectory);
        }
        log.info("Kafka on {} stopped", bootstrapServers);
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers + "]";
    }
}
