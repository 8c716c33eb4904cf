package dev.outbox.sample.inventory;

import dev.outbox.sample.support.ApiException;

/** Body of {@code PUT /stock/{sku}}: sets the price and the units available for new orders. */
record StockRequest(Long unitPriceCents, Integer available) {

    static final int MAX_AVAILABLE = 1_000_000_000;

    /** @throws ApiException 400 naming the field */
    StockRequest validate() {
        if (unitPriceCents == null) {
            throw ApiException.badRequest("unitPriceCents", "unitPriceCents is required");
        }
        if (unitPriceCents < 0) {
            throw ApiException.badRequest("unitPriceCents", "unitPriceCents must not be negative");
        }
        if (available == null) {
            throw ApiException.badRequest("available", "available is required");
        }
        if (available < 0 || available > MAX_AVAILABLE) {
            throw ApiException.badRequest("available", "available must be between 0 and " + MAX_AVAILABLE);
        }
        return this;
    }
}
