package dev.outbox.sample.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small JSON router on the JDK's HTTP server. Every answer is JSON; every refusal is {"error", "field"} with a
 * 4xx status, so that bad input never surfaces as a 5xx. A 500 means a fault of the service and is logged.
 */
public final class HttpApi implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    public interface Handler {
        Response handle(Request request) throws IOException;
    }

    public record Response(int status, Object body) {
        public static Response ok(Object body) {
            return new Response(200, body);
        }
    }

    /** A body that is not JSON (a page of the console): written as is with its content type. */
    public record Raw(String contentType, byte[] bytes) {
    }

    /**
     * Serves {@code files} (names under {@code resourceDir} on the class path) at {@code /<prefix>/<name>}, and the
     * first one at {@code /<prefix>} too. Read once, here: a missing file fails at start.
     */
    public HttpApi staticFiles(String prefix, String resourceDir, String... files) {
        for (int i = 0; i < files.length; i++) {
            String name = files[i];
            byte[] bytes;
            try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(resourceDir + "/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + resourceDir + "/" + name + " is not on the class path");
                }
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + resourceDir + "/" + name, e);
            }
            String type = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : name.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
            Raw raw = new Raw(type, bytes);
            String path = "/" + prefix + (i == 0 ? "(?:/|/" + Pattern.quote(name) + ")?" : "/" + Pattern.quote(name));
            route("GET", path, request -> Response.ok(raw));
        }
        return this;
    }

    private record Route(String method, Pattern path, Handler handler) {
    }

    /** JSON, or what {@code curl -d} sends when no type is given: the body is parsed as JSON either way. */
    private static final Pattern JSON_OR_CURL_DEFAULT = Pattern.compile(
            "\\s*(application/json|application/[\\w.+-]+\\+json|application/x-www-form-urlencoded)\\s*(;|$)",
            Pattern.CASE_INSENSITIVE);

    private final List<Route> routes = new ArrayList<>();
    private final int maxBodyBytes;
    private final byte[] adminToken;

    public HttpApi(int maxBodyBytes, String adminToken) {
        this.maxBodyBytes = maxBodyBytes;
        this.adminToken = adminToken.getBytes(StandardCharsets.UTF_8);
    }

    /** Adds a route; {@code pathRegex} groups become {@link Request#pathParam(int)}. */
    public HttpApi route(String method, String pathRegex, Handler handler) {
        routes.add(new Route(method, Pattern.compile(pathRegex), handler));
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            Response response;
            try {
                response = dispatch(exchange);
            } catch (ApiException e) {
                response = error(e.status(), e.getMessage(), e.field());
            } catch (JsonProcessingException e) {
                response = JsonErrors.toResponse(e);
            } catch (DataAccessException e) {
                response = isDataException(e) ? refusedValue(exchange, e) : internalError(exchange, e);
            } catch (RuntimeException | IOException e) {
                response = internalError(exchange, e);
            }
            write(exchange, response);
        } catch (IOException e) {
            log.debug("could not answer {}: the client went away", exchange.getRequestURI(), e);
        }
    }

    private Response dispatch(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (TextChecks.hasControlCharacter(path)) {
            // PostgreSQL refuses NUL in text, and no id of these services holds a control character.
            return error(400, "the path must not contain control characters (such as %00)", "path");
        }
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Matcher matcher = route.path().matcher(path);
            if (!matcher.matches()) {
                continue;
            }
            if (!route.method().equals(exchange.getRequestMethod())) {
                allowed.add(route.method());
                continue;
            }
            List<String> params = new ArrayList<>();
            for (int i = 1; i <= matcher.groupCount(); i++) {
                params.add(matcher.group(i));
            }
            return route.handler().handle(new Request(exchange, params));
        }
        if (!allowed.isEmpty()) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
            return error(405, "method " + exchange.getRequestMethod() + " not allowed on " + path + "; use "
                    + String.join(" or ", allowed), null);
        }
        return error(404, "no endpoint " + path, null);
    }

    private static Response internalError(HttpExchange exchange, Exception e) {
        log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
        return error(500, "internal error; see the service log", null);
    }

    /**
     * A database refusal of a value (SQLSTATE class 22, "data exception": a NUL byte, a number out of range) is the
     * client's input that got past validation, hence a 400; every other database failure is the service's.
     */
    private static boolean isDataException(DataAccessException e) {
        String state = e.sqlState();
        return state != null && state.startsWith("22");
    }

    private static Response refusedValue(HttpExchange exchange, DataAccessException e) {
        log.warn("{} {}: the database refused a value ({}); validation should have caught it",
                exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e.sqlState());
        return error(400, "a value of the request is not acceptable (out of range, or holding a control character)",
                null);
    }

    public static Response error(int status, String message, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("field", field);
        return new Response(status, body);
    }

    private static void write(HttpExchange exchange, Response response) throws IOException {
        if (response.body() instanceof Raw raw) {
            exchange.getResponseHeaders().set("Content-Type", raw.contentType());
            // The console runs only its own script and talks only to this service.
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self' "
                    + "'unsafe-inline'");
            exchange.sendResponseHeaders(response.status(), raw.bytes().length);
            exchange.getResponseBody().write(raw.bytes());
            return;
        }
        byte[] bytes = Json.REQUESTS.writeValueAsBytes(response.body());
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (response.status() == 401) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        exchange.sendResponseHeaders(response.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** One request: path parameters, query, body and the admin check. */
    public final class Request {

        private final HttpExchange exchange;
        private final List<String> pathParams;

        private Request(HttpExchange exchange, List<String> pathParams) {
            this.exchange = exchange;
            this.pathParams = pathParams;
        }

        public String pathParam(int index) {
            return pathParams.get(index);
        }

        /** A path parameter that names an entity by uuid: anything else cannot exist, hence 404. */
        public UUID pathId(int index, String what) {
            String raw = pathParam(index);
            try {
                return UUID.fromString(raw);
            } catch (IllegalArgumentException e) {
                throw ApiException.notFound("id", "no " + what + " " + raw);
            }
        }

        public String query(String name) {
            String raw = exchange.getRequestURI().getRawQuery();
            if (raw == null) {
                return null;
            }
            try {
                for (String pair : raw.split("&")) {
                    int eq = pair.indexOf('=');
                    String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    if (key.equals(name)) {
                        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(name, "malformed query string: " + e.getMessage());
            }
            return null;
        }

        /** The first value of request header {@code name}, or null. */
        public String header(String name) {
            return exchange.getRequestHeaders().getFirst(name);
        }

        /** A required query parameter holding a UUID; 400 naming it when absent or not a UUID. */
        public UUID requiredQueryUuid(String name) {
            String raw = query(name);
            if (raw == null || raw.isBlank()) {
                throw ApiException.badRequest(name, "query parameter " + name + " is required");
            }
            try {
                return UUID.fromString(raw);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(name, name + " must be a UUID");
            }
        }

        /** Reads the JSON body into {@code type}; 413 over the limit, 400 when absent or malformed. */
        public <T> T body(Class<T> type) throws IOException {
            String contentType = header("Content-Type");
            if (contentType != null && !JSON_OR_CURL_DEFAULT.matcher(contentType).lookingAt()) {
                throw new ApiException(415, "send the body as JSON (Content-Type: application/json)", "Content-Type");
            }
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBodyBytes) {
                throw new ApiException(413, "request body over " + maxBodyBytes + " bytes", null);
            }
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readNBytes(maxBodyBytes + 1);
            } catch (IOException e) {
                // The JDK server decodes the framing while the body is read: a bad chunk size, or a body shorter
                // than its Content-Length, fails here.
                throw ApiException.badRequest(null, "the request body could not be read: broken framing (check "
                        + "Content-Length or the chunked encoding)");
            }
            if (bytes.length > maxBodyBytes) {
                throw new ApiException(413, "request body over " + maxBodyBytes + " bytes", null);
            }
            if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
                throw ApiException.badRequest(null, "request body is required (JSON)");
            }
            T value;
            try {
                value = Json.REQUESTS.readValue(bytes, type);
            } catch (JsonProcessingException e) {
                throw e;
            } catch (IOException e) {
                // Reading a byte array fails only on the bytes themselves, e.g. invalid UTF-8.
                throw ApiException.badRequest(null, "unreadable body: " + e.getMessage());
            }
            if (value == null) {
                throw ApiException.badRequest(null, "request body must be a JSON object");
            }
            return value;
        }

        /** Admin calls need {@code Authorization: Bearer <token>}; compared in constant time. */
        public void requireAdmin() {
            String header = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] presented = header != null && header.startsWith("Bearer ")
                    ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8)
                    : new byte[0];
            if (!MessageDigest.isEqual(presented, adminToken)) {
                throw new ApiException(401, "admin call: send Authorization: Bearer <admin token>", "Authorization");
            }
        }
    }
}
