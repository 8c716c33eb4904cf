package dev.outbox.sample.ops;

import java.io.PrintWriter;
import java.net.URI;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code saga-ops}: the operator's command line over the admin HTTP API both sample services share. Every command
 * prints the service's JSON answer; exit status 0 on success, 1 when the service refused or failed, 2 on a usage
 * error.
 *
 * <pre>
 * SAGA_OPS_TOKEN=... java -jar saga-ops.jar --url http://localhost:8081 stuck --older-than 5m
 * java -jar saga-ops.jar --url http://localhost:8082 replay --topic outbox.event.order-dlt --partition 0 --offset 7
 * </pre>
 */
@Command(name = "saga-ops", mixinStandardHelpOptions = true, version = "saga-ops 0.1",
        description = "Stuck sagas, retry, compensate, dead letters and their replay, without SQL.",
        subcommands = {SagaOps.Status.class, SagaOps.Stuck.class, SagaOps.Retry.class, SagaOps.Compensate.class,
                SagaOps.DeadLetterList.class, SagaOps.Replay.class, SagaOps.Gauges.class})
public final class SagaOps {

    @Option(names = "--url", defaultValue = "${env:SAGA_OPS_URL:-http://localhost:8081}",
            description = "Base URL of the service (order or inventory). Default: $SAGA_OPS_URL or ${DEFAULT-VALUE}.")
    URI url;

    @Option(names = "--token", defaultValue = "${env:SAGA_OPS_TOKEN}",
            description = "The service's admin token. Default: $SAGA_OPS_TOKEN (prefer it: arguments show in ps).")
    String token;

    @Option(names = "--timeout", defaultValue = "30", description = "Seconds to wait for an answer. Default 30.")
    int timeoutSeconds;

    PrintWriter out;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        SagaOps ops = new SagaOps();
        ops.out = out;
        CommandLine line = new CommandLine(ops);
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            err.println("saga-ops: " + e.getMessage());
            return 1;
        });
        return line.execute(args);
    }

    AdminClient client() {
        return new AdminClient(url, token, timeoutSeconds);
    }

    int print(AdminClient.Answer answer) {
        out.println(answer.prettyBody());
        out.flush();
        return answer.ok() ? 0 : 1;
    }

    abstract static class Sub implements Callable<Integer> {
        @ParentCommand
        SagaOps ops;
    }

    @Command(name = "status", description = "The whole-chain status of one order's saga (order service).")
    static final class Status extends Sub {
        @Parameters(paramLabel = "ORDER_ID")
        UUID orderId;

        @Override
        public Integer call() {
            return ops.print(ops.client().get("/saga/status?order_id=" + orderId, false));
        }
    }

    @Command(name = "stuck", description = "Stuck saga steps (or every step matching --status), newest first.")
    static final class Stuck extends Sub {
        @Option(names = "--status", description = "Only this status (PENDING, FAILED, ...); lists beyond stuck ones.")
        String status;
        @Option(names = "--step", description = "Only this step, e.g. reserve_stock.")
        String step;
        @Option(names = "--older-than", description = "Only steps created longer ago, e.g. 5m, 2h.")
        String olderThan;
        @Option(names = "--limit", defaultValue = "100", description = "At most this many. Default ${DEFAULT-VALUE}.")
        int limit;

        @Override
        public Integer call() {
            StringBuilder query = new StringBuilder("?limit=" + limit);
            AdminClient.append(query, "status", status);
            AdminClient.append(query, "step", step);
            AdminClient.append(query, "older_than", olderThan);
            return ops.print(ops.client().get("/admin/sagas" + query, true));
        }
    }

    @Command(name = "retry", description = "Retry a saga's waiting or given-up step.")
    static final class Retry extends Sub {
        @Parameters(paramLabel = "SAGA_ID")
        UUID sagaId;

        @Override
        public Integer call() {
            return ops.print(ops.client().post("/saga/" + sagaId + "/retry", null));
        }
    }

    @Command(name = "compensate", description = "Compensate a saga (cancel and release what it holds).")
    static final class Compensate extends Sub {
        @Parameters(paramLabel = "SAGA_ID")
        UUID sagaId;

        @Override
        public Integer call() {
            return ops.print(ops.client().post("/saga/" + sagaId + "/compensate", null));
        }
    }

    @Command(name = "dead-letters", description = "Dead letters of the relay and of the consumers, with reasons.")
    static final class DeadLetterList extends Sub {
        @Option(names = "--limit", defaultValue = "50", description = "Newest per topic. Default ${DEFAULT-VALUE}.")
        int limit;

        @Override
        public Integer call() {
            return ops.print(ops.client().get("/admin/dead-letters?limit=" + limit, true));
        }
    }

    @Command(name = "replay", description = "Replay one dead letter through the service's outbox (same event id).")
    static final class Replay extends Sub {
        @Option(names = "--topic", required = true)
        String topic;
        @Option(names = "--partition", required = true)
        int partition;
        @Option(names = "--offset", required = true)
        long offset;

        @Override
        public Integer call() {
            String body = "{\"topic\":" + AdminClient.jsonString(topic) + ",\"partition\":" + partition
                    + ",\"offset\":" + offset + "}";
            return ops.print(ops.client().post("/admin/dead-letters/replay", body));
        }
    }

    @Command(name = "gauges", description = "Steps waiting per step and the oldest's age; dead letters per topic.")
    static final class Gauges extends Sub {
        @Override
        public Integer call() {
            return ops.print(ops.client().get("/admin/gauges", true));
        }
    }
}
