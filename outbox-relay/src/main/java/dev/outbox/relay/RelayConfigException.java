package dev.outbox.relay;

/** A setting is missing or invalid; the message names it and says what is expected. */
public final class RelayConfigException extends RuntimeException {

    private final String setting;

    public RelayConfigException(String setting, String problem) {
        super(setting + " " + problem);
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }
}
