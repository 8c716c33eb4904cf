package dev.outbox.sample.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * A service's consumer group membership from its {@code *_CONSUMER_INSTANCE_ID} setting: {@code auto} derives a
 * static id that stays the same across restarts of the same instance, so a killed and restarted service gets its
 * partitions back as soon as it joins instead of after the session timeout.
 */
public final class ConsumerMembership {
    public static final String AUTO = "auto";
    public static final String NONE = "none";

    private ConsumerMembership() {
    }

    /** Whether {@code setting} is {@code auto}, {@code none} or an id Kafka accepts. */
    public static boolean isValidSetting(String setting) {
        return setting != null && setting.matches("[A-Za-z0-9._-]{1,200}");
    }

    /**
     * The static membership id a setting comes to; empty for dynamic membership ({@code none}, or {@code auto} with
     * a port chosen at random, which would give a new id at every start).
     */
    public static Optional<String> staticId(String setting, String consumerGroup, int httpPort) {
        return switch (setting) {
            case NONE -> Optional.empty();
            case AUTO -> httpPort == 0 ? Optional.empty()
                    : Optional.of(consumerGroup + "-" + hostName() + "-" + httpPort);
            default -> Optional.of(setting);
        };
    }

    /** This host's name in the characters Kafka allows in an instance id. */
    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                name = "localhost";
            }
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
