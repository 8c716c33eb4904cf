package dev.outbox.sample.inventory;

/**
 * A request the service refuses, answered with {@code status} and {"error": message, "field": field}. Thrown at the
 * boundary (validation, lookups); never for a server fault.
 */
final class ApiException extends RuntimeException {

    private final int status;
    private final String field;

    ApiException(int status, String message, String field) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }

    static ApiException badRequest(String field, String message) {
        return new ApiException(400, message, field);
    }

    static ApiException notFound(String field, String message) {
        return new ApiException(404, message, field);
    }

    static ApiException conflict(String field, String message) {
        return new ApiException(409, message, field);
    }

    int status() {
        return status;
    }

    String field() {
        return field;
    }
}
