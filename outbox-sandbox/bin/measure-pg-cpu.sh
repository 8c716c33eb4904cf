#!/usr/bin/env bash
# Where PostgreSQL's CPU goes during a warm sandbox run: CPU of every PostgreSQL process by kind (from /proc, mapped
# through pg_stat_activity), the top statements (pg_stat_statements), table counters, and the sandbox JVM's and
# relays' CPU, all over the measured window only (after the warm-up).
#
# usage: outbox-sandbox/bin/measure-pg-cpu.sh OUT_DIR RATE ORDERS WARMUP_ORDERS
# Run from the repository root after `bin/with-jdk21 mvn -B -ntp -q -DskipTests package` (SANDBOX_JAR: another jar).
set -uo pipefail

out=${1:?output directory}; rate=${2:-100}; orders=${3:-2000}; warmup=${4:-2000}
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hz=$(getconf CLK_TCK)

bin/with-jdk21 java -jar "${SANDBOX_JAR:-outbox-sandbox/target/outbox-sandbox.jar}" --durable --no-disruption \
    --rate "$rate" --orders "$orders" --warmup-orders "$warmup" --pg-port "$port" --order-port 0 \
    --inventory-port 0 --summary-json "$out/summary.json" \
    --pg-setting shared_preload_libraries=pg_stat_statements --pg-setting pg_stat_statements.track=all \
    --pg-setting track_io_timing=off >"$out/sandbox.log" 2>&1 &
sandbox=$!
trap 'kill $sandbox 2>/dev/null || true' EXIT

psql_() { psql -X -q -A -t -h 127.0.0.1 -p "$port" -U postgres "$@"; }
wait_for() { until grep -q "$1" "$out/sandbox.log"; do
    kill -0 $sandbox 2>/dev/null || { echo "sandbox ended early"; tail -20 "$out/sandbox.log"; exit 1; }
    sleep 0.2; done; }

# utime+stime (ticks) of a process, fields 14 and 15 of /proc/PID/stat (after the parenthesised name).
ticks() { awk '{sub(/.*\) /,""); print $12+$13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# ticks of reaped children (cutime+cstime) of a process: exited autovacuum workers and the like.
child_ticks() { awk '{sub(/.*\) /,""); print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
tree_ticks() { local sum=0 p; for p in $(pstree -p "$1" | grep -o '([0-9]*)' | tr -d '()'); do
    sum=$((sum + $(ticks "$p"))); done; echo $sum; }

# Each PostgreSQL process as "pid kind" (kind: backend_type, database and application for client backends).
pg_processes() {
    psql_ -d postgres -F ' ' -c "SELECT pid, replace(backend_type,' ','_') || CASE WHEN backend_type IN
        ('client backend','walsender') THEN ':' || coalesce(datname,'-') || ':' ||
        coalesce(nullif(replace(application_name,' ','_'),''),'-') ELSE '' END FROM pg_stat_activity"
}

snapshot() { # $1 = file: "pid kind ticks" lines, plus postmaster and the JVMs
    local file=$1 pm
    pm=$(head -1 "$pgdata/postmaster.pid")
    # The snapshot's own psql backend is one of the short-lived client backends (postgres:psql).
    { pg_processes | while read -r pid kind; do echo "$pid $kind $(ticks "$pid")"; done
      echo "$pm postmaster $(ticks "$pm")"
      echo "$pm postmaster-reaped-children $(child_ticks "$pm")"
      echo "$sandbox sandbox-jvm $(ticks "$sandbox")"
      for r in $(pgrep -P "$sandbox" -f dev.outbox.relay.RelayMain || true); do
          echo "$r relay:$(tr '\0' '\n' </proc/$r/environ | sed -n 's|^OUTBOX_DB_URL=.*/\([^/?]*\).*|\1|p') $(ticks "$r")"
      done
      for t in /proc/$sandbox/task/*; do
          n=$(cat "$t/comm" 2>/dev/null) || continue; case "$n" in outbox-saga-tim*|sandbox-progres*)
          echo "${t##*/} thread:$n $(ticks "${sandbox}/task/${t##*/}")";; esac; done
    } >"$file"
}

wait_for "Warming up"
pgdata=$(psql_ -d postgres -c "SHOW data_directory")
psql_ -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
wait_for "Placing"
psql_ -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
psql_ -d postgres -c "SELECT pg_stat_reset()" >/dev/null
for db in $(psql_ -d postgres -c "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres','template0','template1')"); do
    psql_ -d "$db" -c "SELECT pg_stat_reset()" >/dev/null; done
snapshot "$out/before.txt"
# Sample while running so that processes which end within the window (autovacuum workers) are seen.
( while kill -0 $sandbox 2>/dev/null; do snapshot "$out/during.$(date +%s%N).txt" 2>/dev/null || true; sleep 1; done ) &
sampler=$!
wait_for "summary written"
snapshot "$out/after.txt"
kill $sampler 2>/dev/null || true

{
echo "# rate $rate orders $orders warmup $warmup, load $(cut -d' ' -f1-3 /proc/loadavg), CLK_TCK $hz"
echo "## CPU ms per saga by process kind (window: after the warm-up until the summary)"
python3 - "$out" "$orders" "$hz" <<'EOF'
import sys, glob, collections
out, orders, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def read(f):
    return {(l.split()[0], l.split()[1]): int(l.split()[2]) for l in open(f) if len(l.split()) == 3}
before = read(out + "/before.txt")
last = {}
for f in sorted(glob.glob(out + "/during.*.txt")) + [out + "/after.txt"]:
    last.update(read(f))
by_kind = collections.Counter()
for key, t in last.items():
    by_kind[key[1]] += t - before.get(key, 0)
pg = 0
for kind, t in sorted(by_kind.items(), key=lambda kv: -kv[1]):
    ms = t * 1000.0 / hz / orders
    if not kind.startswith(("sandbox", "relay", "thread")):
        pg += ms
    print(f"| {kind} | {ms:.2f} |")
print(f"| **PostgreSQL total** | {pg:.2f} |")
EOF
echo "## summary"
python3 -c "import json,sys; d=json.load(open('$out/summary.json')); print({k: d.get(k) for k in ('sagasPerSecond','p50Millis','p99Millis','timedOut','commitsPerSaga','sagasByState','invariants')})" || true
for db in $(psql_ -d postgres -c "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres','template0','template1')"); do
    echo "## $db: top statements by total time (ms per saga, calls per saga)"
    psql_ -d postgres -F ' | ' -c "SELECT round((total_exec_time/$orders)::numeric,3), round(calls::numeric/$orders,2),
        round(rows::numeric/greatest(calls,1),1), left(regexp_replace(query, '\s+', ' ', 'g'), 160)
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$db'
        ORDER BY total_exec_time DESC LIMIT 25"
    echo "## $db: tables (seq scans, rows read by seq scans, index scans, n_tup ins/upd/hot/del, live)"
    psql_ -d "$db" -F ' | ' -c "SELECT relname, seq_scan, seq_tup_read, idx_scan, n_tup_ins, n_tup_upd,
        n_tup_hot_upd, n_tup_del, n_live_tup, autovacuum_count FROM pg_stat_user_tables ORDER BY seq_tup_read DESC"
done
} >"$out/report.md"
cat "$out/report.md"
