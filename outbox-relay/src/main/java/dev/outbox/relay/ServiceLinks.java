package dev.outbox.relay;

import java.util.regex.Pattern;

/**
 * Kubernetes injects service-link variables into every pod for every Service of its namespace: a Service named
 * {@code outbox-relay} becomes {@code OUTBOX_RELAY_SERVICE_HOST=10.0.0.1},
 * {@code OUTBOX_RELAY_PORT=tcp://10.0.0.1:8090},
 * {@code OUTBOX_RELAY_PORT_8090_TCP_ADDR=10.0.0.1} and so on. Such a variable is no setting of the relay and is
 * ignored; it is recognised by its name and its value together, so a typo such as {@code OUTBOX_HTTPS_PORT=8091} is
 * still refused.
 */
final class ServiceLinks {

    private static final String SERVICE = "OUTBOX_[A-Z0-9_]+";
    private static final String PROTOCOL = "(?:TCP|UDP|SCTP)";
    private static final Pattern HOST_NAME = Pattern.compile(SERVICE + "_SERVICE_HOST");
    private static final Pattern PORT_NUMBER_NAME = Pattern.compile(
            SERVICE + "_SERVICE_PORT(?:_[A-Z0-9_]+)?|" + SERVICE + "_PORT_\\d+_" + PROTOCOL + "_PORT");
    private static final Pattern ADDRESS_NAME = Pattern.compile(SERVICE + "_PORT_\\d+_" + PROTOCOL + "_ADDR");
    private static final Pattern PROTOCOL_NAME = Pattern.compile(SERVICE + "_PORT_\\d+_" + PROTOCOL + "_PROTO");
    private static final Pattern URL_NAME = Pattern.compile(SERVICE + "_PORT(?:_\\d+_" + PROTOCOL + ")?");

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,5}");
    private static final Pattern PROTOCOL_VALUE = Pattern.compile("(?i)tcp|udp|sctp");
    /** {@code tcp://10.0.0.1:8090}, or an IPv6 address in brackets. */
    private static final Pattern URL = Pattern.compile("(?i)(?:tcp|udp|sctp)://[A-Za-z0-9.:\\[\\]-]+:\\d{1,5}");

    private ServiceLinks() {
    }

    /** Whether {@code key=value} is a Kubernetes service-link variable (never call it for a real setting's key). */
    static boolean isServiceLink(String key, String value) {
        String text = value == null ? "" : value.strip();
        if (HOST_NAME.matcher(key).matches()) {
            return HOST.matcher(text).matches();
        }
        if (PORT_NUMBER_NAME.matcher(key).matches()) {
            return NUMBER.matcher(text).matches();
        }
        if (ADDRESS_NAME.matcher(key).matches()) {
            return HOST.matcher(text).matches();
        }
        if (PROTOCOL_NAME.matcher(key).matches()) {
            return PROTOCOL_VALUE.matcher(text).matches();
        }
        return URL_NAME.matcher(key).matches() && isLinkUrl(text);
    }

    /** The Service whose {@code <SERVICE>_PORT} variable {@code key} would be: OUTBOX_HTTP_PORT → outbox-http. */
    static String serviceOf(String key) {
        return key.substring(0, key.lastIndexOf('_')).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** A service link's URL value ({@code tcp://10.0.0.1:8090}): never a valid value of a relay setting. */
    static boolean isLinkUrl(String value) {
        return value != null && URL.matcher(value.strip()).matches();
    }
}
