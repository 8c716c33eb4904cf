package dev.outbox.sample.order;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.Json;
import dev.outbox.sample.support.Sql;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Record;

/** The {@code Idempotency-Key} of {@code POST /orders}, kept in {@code order_idempotency_key}. */
final class IdempotencyKeys {

    static final String HEADER = "Idempotency-Key";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,200}");

    private IdempotencyKeys() {
    }

    /** @throws ApiException 400 when the header's value is not 1-200 visible ASCII characters */
    static String validate(String key) {
        if (key != null && !KEY.matcher(key).matches()) {
            throw ApiException.badRequest(HEADER, HEADER + " must be 1-200 visible ASCII characters, e.g. a UUID");
        }
        return key;
    }

    /**
     * Claims {@code key} for the order {@code orderId} about to be written in {@code tx}. Returns null when the key
     * is new, or the order an earlier request with the same key and the same body made. A concurrent request with
     * the same key waits on the row until the first one's transaction ends.
     *
     * @throws ApiException 422 when the key was used with another body
     */
    static UUID claim(DSLContext tx, String key, PlaceOrderRequest request, UUID orderId) {
        byte[] digest = digest(request);
        int inserted = Sql.execute(tx, """
                INSERT INTO order_idempotency_key (idempotency_key, request_sha256, order_id) VALUES (?, ?, ?)
                ON CONFLICT (idempotency_key) DO NOTHING""", key, digest, orderId);
        if (inserted == 1) {
            return null;
        }
        Record earlier = tx.fetchOne(
                "SELECT request_sha256, order_id FROM order_idempotency_key WHERE idempotency_key = ?", key);
        if (!Arrays.equals(earlier.get(0, byte[].class), digest)) {
            throw new ApiException(422, "this " + HEADER + " was used with another request body; use a new key "
                    + "for a new order", HEADER);
        }
        return earlier.get(1, UUID.class);
    }

    /** The request as the service understood it, so that spacing and field order do not make two bodies differ. */
    private static byte[] digest(PlaceOrderRequest request) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Json.REQUESTS.writeValueAsBytes(request));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot digest an order request", e);
        }
    }
}
