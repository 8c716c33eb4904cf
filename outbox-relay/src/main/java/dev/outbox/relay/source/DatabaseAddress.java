package dev.outbox.relay.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Host, port, database and the driver parameters ({@code ?sslmode=verify-full&sslrootcert=…}) of a
 * {@code jdbc:postgresql://} URL, the way Debezium's connector takes them: it builds its own URL from host, port and
 * database, so every parameter must be handed over as a connector setting of its own.
 *
 * @param parameters the URL's parameters, decoded, in their order
 */
public record DatabaseAddress(String host, int port, String database, Map<String, String> parameters) {

    private static final Pattern URL = Pattern.compile(
            "jdbc:postgresql://(\\[[^]]+]|[^:/,?]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?");
    private static final Pattern SECRET_VALUE = Pattern.compile("(?i)((?:^|[?&])[a-z]*password=)[^&]*");
    /** What the connector takes from the URL's address part; a parameter must not replace them. */
    private static final java.util.Set<String> CONNECTOR_OWNED = java.util.Set.of("hostname", "port", "dbname");

    public DatabaseAddress {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Whether Debezium can connect to this URL: one host, no driver-only syntax. */
    public static boolean isSingleHost(String url) {
        return url != null && URL.matcher(url).matches();
    }

    static DatabaseAddress parse(String url) {
        Matcher matcher = URL.matcher(url);
        if (!matcher.matches()) {
            throw new SourceCheckException("OUTBOX_DB_URL " + redacted(url) + " is not jdbc:postgresql://host[:port]/"
                    + "database[?sslmode=...]: Debezium connects to one host (use OUTBOX_SOURCE=pgoutput for the "
                    + "driver's multi-host URLs)");
        }
        String host = matcher.group(1).startsWith("[") ? matcher.group(1).substring(1, matcher.group(1).length() - 1)
                : matcher.group(1);
        int port = matcher.group(2) == null ? 5432 : Integer.parseInt(matcher.group(2));
        Map<String, String> parameters = new LinkedHashMap<>();
        if (matcher.group(4) != null) {
            for (String parameter : matcher.group(4).split("&")) {
                int equals = parameter.indexOf('=');
                if (equals > 0) {
                    parameters.put(parameter.substring(0, equals),
                            URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return new DatabaseAddress(host, port, matcher.group(3), parameters);
    }

    /** The URL's {@code sslmode}, or null. */
    public String sslMode() {
        return parameters.get("sslmode");
    }

    /**
     * The URL's parameters as Debezium connector settings: {@code database.<parameter>}, which the connector hands
     * to the driver (TLS: {@code sslmode}, {@code sslrootcert}, {@code sslcert}, {@code sslkey}, {@code sslpassword},
     * {@code sslfactory}, …), so Debezium connects exactly as the relay's own connections do. A user or password in
     * the URL wins over {@code OUTBOX_DB_USER} / {@code OUTBOX_DB_PASSWORD}, as it does for the driver.
     */
    public Map<String, String> connectorSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        parameters.forEach((name, value) -> {
            if (!CONNECTOR_OWNED.contains(name)) {
                settings.put("database." + name, value);
            }
        });
        return settings;
    }

    /** The URL with the value of every {@code *password} parameter replaced, for messages. */
    public static String redacted(String url) {
        return url == null ? null : SECRET_VALUE.matcher(url).replaceAll("$1***");
    }

    /** Never prints a password parameter. */
    @Override
    public String toString() {
        Map<String, String> shown = new LinkedHashMap<>(parameters);
        shown.replaceAll((name, value) -> name.toLowerCase(java.util.Locale.ROOT).endsWith("password") ? "***" : value);
        return "DatabaseAddress[" + host + ":" + port + "/" + database + " " + shown + "]";
    }
}
