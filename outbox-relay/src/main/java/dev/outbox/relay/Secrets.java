package dev.outbox.relay;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps secrets out of everything the relay prints: log lines (through {@link MaskingPatternLayout}), the lines it
 * writes to stderr, and its HTTP answers. Two nets: every secret value the settings hold ({@link #registerFrom}) is
 * replaced wherever it appears, and anything that looks like one — a URL's {@code user:password@}, a
 * {@code password=…}, {@code sslpassword=…} or {@code secret=…} parameter, a JAAS {@code password="…"} — is masked
 * even when the value was never registered (a driver or connector message quoting a URL).
 */
final class Secrets {

    static final String MASK = "****";
    /** Shorter values are not masked by value (a two-letter "secret" would blank out ordinary words). */
    private static final int SHORTEST_MASKED_VALUE = 4;
    /** Setting names whose values are secrets: passwords, secrets, JAAS configurations, private keys, tokens. */
    private static final Pattern SECRET_SETTING = Pattern.compile(
            "(?i).*(PASSWORD|PASSWD|SECRET|JAAS|CREDENTIAL|TOKEN|KEYSTORE_KEY|_KEY$).*");
    /** {@code password=x}, {@code sslpassword=x}, {@code password="x"}, {@code client_secret: x} and the like. */
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret)[A-Za-z0-9_.-]*\\s*[=:]\\s*)(\"[^\"]*\"|'[^']*'"
                    + "|[^\\s&;,'\")\\]]+)");
    /** {@code scheme://user:password@host}. */
    private static final Pattern USER_INFO = Pattern.compile("(?i)(//[^/\\s:@?#]+:)([^@/\\s]+)@");

    private static final Set<String> values = new CopyOnWriteArraySet<>();

    private Secrets() {
    }

    /** Remembers the secret values among the relay's settings (and the secrets inside its database URL). */
    static void registerFrom(Map<String, String> settings) {
        settings.forEach((key, value) -> {
            if (value == null) {
                return;
            }
            if (SECRET_SETTING.matcher(key.toUpperCase(Locale.ROOT)).matches()) {
                register(value);
            }
            // The URL's or JAAS string's own secret parts, so they are masked even where they appear alone.
            for (Pattern pattern : new Pattern[] {SECRET_ASSIGNMENT, USER_INFO}) {
                Matcher matcher = pattern.matcher(value);
                while (matcher.find()) {
                    register(unquoted(matcher.group(2)));
                }
            }
        });
    }

    static void register(String secret) {
        if (secret != null && secret.strip().length() >= SHORTEST_MASKED_VALUE) {
            values.add(secret.strip());
        }
    }

    /** {@code text} with every secret replaced by {@value #MASK}. */
    static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : values) {
            if (masked.contains(secret)) {
                masked = masked.replace(secret, MASK);
            }
        }
        return maskPatterns(masked);
    }

    /** A database URL fit to print: user-info password and secret parameters masked. */
    static String maskUrl(String url) {
        return url == null ? null : maskPatterns(url);
    }

    private static String maskPatterns(String text) {
        if (text.indexOf('=') < 0 && text.indexOf(':') < 0) {
            return text;
        }
        String masked = SECRET_ASSIGNMENT.matcher(text).replaceAll(match -> Matcher.quoteReplacement(
                match.group(1) + quotedLike(match.group(2), MASK)));
        return USER_INFO.matcher(masked).replaceAll("$1" + MASK + "@");
    }

    private static String unquoted(String value) {
        boolean quoted = value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
                && value.charAt(value.length() - 1) == value.charAt(0);
        return quoted ? value.substring(1, value.length() - 1) : value;
    }

    private static String quotedLike(String original, String replacement) {
        char first = original.isEmpty() ? ' ' : original.charAt(0);
        return first == '"' || first == '\'' ? first + replacement + first : replacement;
    }
}
