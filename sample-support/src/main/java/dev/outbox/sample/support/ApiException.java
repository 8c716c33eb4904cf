package dev.outbox.sample.support;

/**
 * A request the service refuses, answered with {@code status} and {"error": message, "field": field}. Thrown at the
 * boundary (validation, lookups); never for a server fault.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final String field;

    public ApiException(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    public static ApiException notFound(String field, String message) {
        return new ApiException(404, message, field);
    }

    public static ApiException conflict(String field, String message) {
        return new ApiException(409, message, field);
    }

    public int status() {
        return status;
    }

    public String field() {
        return field;
    }
}
