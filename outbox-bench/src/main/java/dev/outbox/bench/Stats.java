package dev.outbox.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Median, minimum and maximum of one figure over the interleaved repetitions. */
record Stats(double median, double min, double max, int count) {

    static Stats of(Collection<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        int n = sorted.size();
        // An even count takes the mean of the two middle values, the usual definition of the median.
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
        return new Stats(median, sorted.getFirst(), sorted.getLast(), n);
    }
}
