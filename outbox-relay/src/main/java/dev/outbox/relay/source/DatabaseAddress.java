package dev.outbox.relay.source;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hosts, database and the driver parameters ({@code ?sslmode=verify-full&sslrootcert=…}) of a
 * {@code jdbc:postgresql://} URL, the way Debezium's connector takes them: it builds its own URL from host, port and
 * database, so every parameter must be handed over as a connector setting of its own. A URL may list several hosts
 * ({@code jdbc:postgresql://pg-a:5432,pg-b:5432/orders?targetServerType=primary}): the driver tries them in turn and,
 * with {@code targetServerType=primary}, connects only to the one that is the primary, so after a failover the relay
 * finds the promoted standby itself; Debezium, which takes one host, is given the host the driver found
 * ({@link #at}).
 *
 * @param endpoints  the URL's hosts and ports, in their order
 * @param parameters the URL's parameters, decoded, in their order
 */
public record DatabaseAddress(List<Endpoint> endpoints, String database, Map<String, String> parameters) {

    /** One host of the URL; an IPv6 address without its brackets. */
    public record Endpoint(String host, int port) {

        /** As the driver's URL writes it: {@code host:port}, {@code [::1]:5432}. */
        String inUrl() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^/?]+)/([^?]+)(?:\\?(.*))?");
    private static final Pattern ENDPOINT = Pattern.compile("(\\[[^]]+]|[^:/,?\\[\\]]+)(?::(\\d{1,5}))?");
    private static final Pattern SECRET_VALUE = Pattern.compile("(?i)((?:^|[?&])[a-z]*password=)[^&]*");
    /** What the connector takes from the URL's address part; a parameter must not replace them. */
    private static final java.util.Set<String> CONNECTOR_OWNED = java.util.Set.of("hostname", "port", "dbname");

    public DatabaseAddress {
        endpoints = List.copyOf(endpoints);
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** One host and port. */
    public DatabaseAddress(String host, int port, String database, Map<String, String> parameters) {
        this(List.of(new Endpoint(host, port)), database, parameters);
    }

    /** Whether the Debezium source can use this URL: one or more {@code host[:port]}, a database. */
    public static boolean isSupported(String url) {
        return url != null && endpoints(url) != null;
    }

    static DatabaseAddress parse(String url) {
        List<Endpoint> endpoints = endpoints(url);
        if (endpoints == null) {
            throw new SourceCheckException("OUTBOX_DB_URL " + redacted(url) + " is not jdbc:postgresql://host[:port]"
                    + "[,host[:port]...]/database[?sslmode=...]: Debezium builds its connection from hosts, ports and "
                    + "database (use OUTBOX_SOURCE=pgoutput for the driver's other URL forms)");
        }
        Matcher matcher = URL.matcher(url);
        matcher.matches();
        Map<String, String> parameters = new LinkedHashMap<>();
        if (matcher.group(3) != null) {
            for (String parameter : matcher.group(3).split("&")) {
                int equals = parameter.indexOf('=');
                if (equals > 0) {
                    parameters.put(parameter.substring(0, equals),
                            URLDecoder.decode(parameter.substring(equals + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return new DatabaseAddress(endpoints, matcher.group(2), parameters);
    }

    /** The URL's hosts, or null when it is not {@code jdbc:postgresql://host[:port][,...]/database[?...]}. */
    private static List<Endpoint> endpoints(String url) {
        Matcher matcher = URL.matcher(url == null ? "" : url);
        if (!matcher.matches()) {
            return null;
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String part : matcher.group(1).split(",", -1)) {
            Matcher endpoint = ENDPOINT.matcher(part);
            if (!endpoint.matches()) {
                return null;
            }
            String host = endpoint.group(1).startsWith("[")
                    ? endpoint.group(1).substring(1, endpoint.group(1).length() - 1) : endpoint.group(1);
            int port = endpoint.group(2) == null ? 5432 : Integer.parseInt(endpoint.group(2));
            if (port < 1 || port > 65535) {
                return null;
            }
            endpoints.add(new Endpoint(host, port));
        }
        return endpoints;
    }

    /** The first host (the only one of a single-host URL). */
    public String host() {
        return endpoints.getFirst().host();
    }

    /** The first host's port. */
    public int port() {
        return endpoints.getFirst().port();
    }

    /**
     * This address with only {@code host} and {@code port}: Debezium takes a single host (its connector refuses a
     * host list), so the relay hands it the host the driver found to be the current primary.
     */
    public DatabaseAddress at(String host, int port) {
        return new DatabaseAddress(host, port, database, parameters);
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
        return "DatabaseAddress[" + String.join(",", endpoints.stream().map(Endpoint::inUrl).toList()) + "/"
                + database + " " + shown + "]";
    }
}
