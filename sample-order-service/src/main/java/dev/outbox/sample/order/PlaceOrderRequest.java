package dev.outbox.sample.order;

import dev.outbox.sample.support.ApiException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The body of {@code POST /orders}, as the client sent it; {@link #validate()} names the first bad field. */
record PlaceOrderRequest(String customerId, List<Line> lines) {

    static final int MAX_LINES = 50;
    static final int MAX_QUANTITY = 10_000;
    static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    static final Pattern CUSTOMER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    record Line(String sku, Integer quantity) {
    }

    /** @throws ApiException 400 naming the field */
    PlaceOrderRequest validate() {
        if (customerId == null || customerId.isBlank()) {
            throw ApiException.badRequest("customerId", "customerId is required");
        }
        if (!CUSTOMER_ID.matcher(customerId).matches()) {
            throw ApiException.badRequest("customerId", "customerId must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (lines == null || lines.isEmpty()) {
            throw ApiException.badRequest("lines", "lines is required: at least one {sku, quantity}");
        }
        if (lines.size() > MAX_LINES) {
            throw ApiException.badRequest("lines", "at most " + MAX_LINES + " lines per order");
        }
        Set<String> skus = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            String at = "lines[" + i + "]";
            if (line == null) {
                throw ApiException.badRequest(at, at + " must be an object {sku, quantity}");
            }
            if (line.sku() == null || line.sku().isBlank()) {
                throw ApiException.badRequest(at + ".sku", "sku is required");
            }
            if (!SKU.matcher(line.sku()).matches()) {
                throw ApiException.badRequest(at + ".sku", "sku must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (line.quantity() == null) {
                throw ApiException.badRequest(at + ".quantity", "quantity is required");
            }
            if (line.quantity() < 1 || line.quantity() > MAX_QUANTITY) {
                throw ApiException.badRequest(at + ".quantity",
                        "quantity must be between 1 and " + MAX_QUANTITY + ", was " + line.quantity());
            }
            if (!skus.add(line.sku())) {
                throw ApiException.badRequest(at + ".sku",
                        "sku " + line.sku() + " appears in two lines; put its whole quantity in one line");
            }
        }
        return this;
    }
}
