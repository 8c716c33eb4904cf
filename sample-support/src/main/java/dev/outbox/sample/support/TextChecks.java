package dev.outbox.sample.support;

/** Checks on text that comes from a request. */
final class TextChecks {

    private TextChecks() {
    }

    /** True when {@code text} holds a C0 control character (NUL included) or DEL. */
    static boolean hasControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
