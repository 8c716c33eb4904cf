package dev.outbox.sandbox;

/** The sandbox's command line: a command and its flags. Invalid input fails naming the flag. */
record SandboxArguments(Command command, boolean help, int postgresPort, int kafkaPort) {

    enum Command { DEMO, INFRA }

    static final String USAGE = """
            usage: java -jar outbox-sandbox.jar [infra] [options]
              infra               start only PostgreSQL (database 'outbox' with the library tables) and Kafka,
                                  print OUTBOX_* lines and READY, run until stopped
              --pg-port N         PostgreSQL port (default: a free port)
              --kafka-port N      Kafka port (default: a free port)
              --help              this text""";

    static SandboxArguments parse(String... args) {
        Command command = Command.DEMO;
        boolean help = false;
        int postgresPort = 0;
        int kafkaPort = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "infra" -> command = Command.INFRA;
                case "--help", "-h" -> help = true;
                case "--pg-port" -> postgresPort = port(arg, value(args, ++i, arg));
                case "--kafka-port" -> kafkaPort = port(arg, value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        return new SandboxArguments(command, help, postgresPort, kafkaPort);
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static int port(String flag, String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a port number 0..65535, was '" + value + "'");
        }
    }
}
