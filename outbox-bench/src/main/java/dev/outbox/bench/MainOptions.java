package dev.outbox.bench;

import java.util.HashMap;
import java.util.Map;

/** The {@code --name value} arguments of the benchmark's separate main classes. */
final class MainOptions {

    private MainOptions() {
    }

    /** The pairs by name, without the dashes; a trailing name without a value is ignored. */
    static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return options;
    }
}
