package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextRenderingTest {

    @Test
    void progressBarFillsInProportionAndClampsOverflow() {
        ProgressBar bar = new ProgressBar(System.out, "sagas", 200);

        assertThat(bar.render(50, "")).startsWith("sagas [" + "#".repeat(10) + ".".repeat(30) + "] 50/200");
        assertThat(bar.render(999, "done")).isEqualTo("sagas [" + "#".repeat(40) + "] 200/200 done");
    }

    @Test
    void tableAlignsColumnsAndRightAlignsValues() {
        String table = new TextTable("state", "sagas").row("CONFIRMED", 812).row("REJECTED", 90).render();

        assertThat(table).isEqualTo("""
                  state      sagas
                  ---------  -----
                  CONFIRMED    812
                  REJECTED      90
                """);
    }
}
