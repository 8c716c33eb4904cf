package dev.outbox.relay.source;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Host, port, database and sslmode of a {@code jdbc:postgresql://} URL, the way Debezium's connector takes them. */
public record DatabaseAddress(String host, int port, String database, String sslMode) {

    private static final Pattern URL = Pattern.compile(
            "jdbc:postgresql://(\\[[^]]+]|[^:/,?]+)(?::(\\d+))?/([^?]+)(?:\\?(.*))?");

    /** Whether Debezium can connect to this URL: one host, no driver-only syntax. */
    public static boolean isSingleHost(String url) {
        return url != null && URL.matcher(url).matches();
    }

    static DatabaseAddress parse(String url) {
        Matcher matcher = URL.matcher(url);
        if (!matcher.matches()) {
            throw new SourceCheckException("OUTBOX_DB_URL " + url + " is not jdbc:postgresql://host[:port]/database"
                    + "[?sslmode=...]: Debezium connects to one host (use OUTBOX_SOURCE=pgoutput for the driver's "
                    + "multi-host URLs)");
        }
        String host = matcher.group(1).startsWith("[") ? matcher.group(1).substring(1, matcher.group(1).length() - 1)
                : matcher.group(1);
        int port = matcher.group(2) == null ? 5432 : Integer.parseInt(matcher.group(2));
        String sslMode = null;
        if (matcher.group(4) != null) {
            for (String parameter : matcher.group(4).split("&")) {
                if (parameter.startsWith("sslmode=")) {
                    sslMode = parameter.substring("sslmode=".length());
                }
            }
        }
        return new DatabaseAddress(host, port, matcher.group(3), sslMode);
    }
}
