package dev.outbox.sample.support;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading a service's settings from environment variables: parsers and checks whose errors name the variable. */
public final class Settings {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private Settings() {
    }

    /** {@code env[name]}, or {@code fallback} when absent, through {@code parser}; a failure names {@code name}. */
    public static <T> T parse(Map<String, String> env, String name, String fallback, Function<String, T> parser) {
        String raw = env.getOrDefault(name, fallback);
        try {
            return parser.apply(raw);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Accepts ISO-8601 ({@code PT30S}) or a number with a unit: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h},
     * {@code 30d}.
     */
    public static Duration duration(String text) {
        String s = text.trim().toLowerCase();
        if (s.startsWith("p")) {
            return Duration.parse(s.toUpperCase());
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: " + text + " (use e.g. 500ms, 30s, 2m, 30d or PT30S)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    public static boolean bool(String text) {
        return switch (text.trim().toLowerCase()) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new IllegalArgumentException("not a boolean: " + text + " (use true or false)");
        };
    }

    /** @throws IllegalArgumentException "{@code variable} {@code problem}" unless {@code ok} */
    public static void require(boolean ok, String variable, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(variable + " " + problem);
        }
    }

    /** A Kafka topic name check shared by the services' topic settings. */
    public static void requireTopic(String topic, String variable) {
        require(topic != null && topic.matches("[A-Za-z0-9._-]{1,249}"), variable,
                "must be a Kafka topic name, was " + topic);
    }
}
