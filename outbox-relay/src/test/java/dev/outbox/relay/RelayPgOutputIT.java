package dev.outbox.relay;

/** {@link RelayIT}'s tests with the slot read directly through the driver ({@code OUTBOX_SOURCE=pgoutput}). */
class RelayPgOutputIT extends RelayIT {

    @Override
    String source() {
        return "pgoutput";
    }

    @Override
    String relayName() {
        return "relay_pgoutput_it";
    }
}
