#!/usr/bin/env bash
# HTTP load benchmark of kyodo-hub, side by side with PostGraphile v4 over the same PostgreSQL
# database. See README.md in this folder.
#
#   examples/load/run.sh                          # scales 5 and 1741, SQLite and PostgreSQL
#   SCALES=5 DURATION=10 examples/load/run.sh     # a quick run on the five real cities
#   SOAK=600 SCALES=1741 DBS=postgres examples/load/run.sh   # plus 10 min of mixed load, RSS
#
# For every scale, database and operation: one checked request (it must answer data without
# errors), a warm-up, then DURATION seconds at CONCURRENCY connections with oha. Prints one
# table row per server and writes the table to results/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

SCALES="${SCALES:-5 1741}"                 # 5: the real cities; N > 5: N synthetic cities + the real five
DBS="${DBS:-sqlite postgres}"
SERVERS="${SERVERS:-hub postgraphile}"     # PostGraphile runs only on PostgreSQL
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
PG_URL="${PG_URL:-postgres://root@127.0.0.1:5432}"   # server, without a database name
PG_ADMIN_DB="${PG_ADMIN_DB:-postgres}"     # where CREATE/DROP DATABASE run
PG_LOG="${PG_LOG:-$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $NF; exit }' || true)}"
COUNT_REQUESTS="${COUNT_REQUESTS:-5}"      # requests per operation whose statements are logged
HUB_PORT="${HUB_PORT:-18480}"
PGL_PORT="${PGL_PORT:-18481}"
WORK="${LOAD_WORK:-$root/target/load}"     # datasets, SQLite files, logs
OHA_VERSION="${OHA_VERSION:-1.16.0}"
RESULTS="${RESULTS:-$here/results/$(date +%Y-%m-%d)-scale-${SCALES// /-}.md}"

PATH="$HOME/.cargo/bin:$PATH"
mkdir -p "$WORK/logs" "$(dirname "$RESULTS")"

say() { printf '\n=== %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
has() { [[ " $1 " == *" $2 "* ]]; }

# ---------------------------------------------------------------- processes we start
hub_pid=""
pgl_pid=""
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
cleanup() {
  local p
  for p in "${soak_pids[@]}"; do stop_pid "$p"; done
  stop_pid "$pgl_pid"
  stop_pid "$hub_pid"
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

want_pgl=0
if has "$DBS" postgres && has "$SERVERS" postgraphile; then
  want_pgl=1
  command -v node >/dev/null || die "PostGraphile needs Node.js (20) and npm"
  if [[ ! -d "$here/node_modules/postgraphile" ]]; then
    say "installing PostGraphile (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

if has "$DBS" postgres; then
  pg_up() { psql "$PG_URL/$PG_ADMIN_DB" -Atc 'select 1' >/dev/null 2>&1; }
  if ! pg_up; then
    say "PostgreSQL is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || die "PostgreSQL does not answer at $PG_URL/$PG_ADMIN_DB"
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

body_file() { # server op -> path of the JSON request body
  local server="$1" op="$2" src out
  if [[ "$server" == hub ]]; then src="$root/examples/queries/$op.graphql"; else src="$here/postgraphile/$op.graphql"; fi
  [[ -f "$src" ]] || die "no operation file $src"
  out="$WORK/body-$server-$op.json"
  jq -Rs '{query: ., variables: {}}' "$src" >"$out"
  printf '%s' "$out"
}

url_of() { if [[ "$1" == hub ]]; then echo "http://127.0.0.1:$HUB_PORT/graphql"; else echo "http://127.0.0.1:$PGL_PORT/graphql"; fi; }

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
  if [[ "$server" == hub ]]; then expr="${hub_rows[$op]}"; else expr="${pgl_rows[$op]}"; fi
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

start_hub() { # url tag
  port_free "$HUB_PORT" HUB
  (cd "$WORK" && exec "$hub" --database-url "$1" serve --addr "127.0.0.1:$HUB_PORT" \
    --rate-limit-per-second 0 $HUB_ARGS) >"$WORK/logs/hub-$2.log" 2>&1 &
  hub_pid=$!
  wait_http "$(url_of hub)" "$hub_pid" hub
}

start_pgl() { # url tag
  port_free "$PGL_PORT" PGL
  (cd "$here" && DATABASE_URL="$1" PORT="$PGL_PORT" exec node postgraphile/server.js) \
    >"$WORK/logs/postgraphile-$2.log" 2>&1 &
  pgl_pid=$!
  wait_http "$(url_of postgraphile)" "$pgl_pid" postgraphile
}

start_servers() { # url scale db -> sets servers (the ones to measure)
  start_hub "$1" "$3-$2"
  servers=""
  has "$SERVERS" hub && servers="hub"
  if [[ "$3" == postgres && "$want_pgl" == 1 ]]; then
    start_pgl "$1" "$2"
    servers="$servers postgraphile"
  fi
}

stop_servers() {
  stop_pid "$pgl_pid"
  pgl_pid=""
  stop_pid "$hub_pid"
  hub_pid=""
}

# ---------------------------------------------------------------- statements counted by PostgreSQL
# PostgreSQL logs every statement of one database (ALTER DATABASE … SET log_statement, which
# new sessions pick up: no restart, no preloaded extension) while the servers, freshly
# started, answer COUNT_REQUESTS requests one at a time; the log lines of that database are
# then counted. Logging slows PostgreSQL down, so this runs apart from the load.
declare -A logged=()
count_statements() { # url scale dbname
  local url="$1" scale="$2" dbname="$3" op server body i off n
  logged=()
  if [[ -z "$PG_LOG" || ! -r "$PG_LOG" ]]; then
    echo "PostgreSQL's log ($PG_LOG) is not readable: statements are counted by the hub only" >&2
    return 0
  fi
  say "postgres, scale $scale: counting statements in PostgreSQL's log ($COUNT_REQUESTS requests per operation)"
  psql "$PG_URL/$PG_ADMIN_DB" -qc "ALTER DATABASE $dbname SET log_statement = 'all'"
  logging_db="$dbname"
  start_servers "$url" "$scale" postgres
  for op in $OPS; do
    for server in $servers; do
      body="$(body_file "$server" "$op")"
      check_answer "$server" "$op" "$body" >/dev/null # connections opened, statements prepared
      off="$(stat -c %s "$PG_LOG")"
      for ((i = 0; i < COUNT_REQUESTS; i++)); do
        curl -fsS -o /dev/null -H 'content-type: application/json' --data-binary "@$body" "$(url_of "$server")"
      done
      sleep 0.5
      n="$(tail -c +"$((off + 1))" "$PG_LOG" | grep -cE "@$dbname LOG:  (statement|execute [^:]*):" || true)"
      logged[$scale-postgres-$server-$op]="$(awk -v a="$n" -v b="$COUNT_REQUESTS" 'BEGIN { printf "%.1f", a / b }')"
    done
  done
  stop_servers
  psql "$PG_URL/$PG_ADMIN_DB" -qc "ALTER DATABASE $dbname RESET log_statement"
  logging_db=""
}

# ---------------------------------------------------------------- load
# oha: -w lets requests in flight at the deadline finish instead of counting them as errors.
oha_run() { # seconds concurrency url body out
  oha -z "${1}s" -c "$2" -w -m POST -H 'content-type: application/json' -D "$4" \
    --no-tui --output-format json "$3" >"$5"
}
oha_total() { jq '([.statusCodeDistribution[]] | add // 0) + ([.errorDistribution[]] | add // 0)' "$1"; }
oha_bad() { jq '([.statusCodeDistribution | to_entries[] | select(.key != "200") | .value] | add // 0) + ([.errorDistribution[]] | add // 0)' "$1"; }

header='| scale | db | server | operation | req/s | p50 ms | p95 ms | p99 ms | requests | non-200 + failed | GraphQL errors | SQL stmts/req (hub counter) | SQL stmts/req (PG log) | rows | bytes |'
rule='|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
{
  echo "# Load: kyodo-hub and PostGraphile"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB," \
    "hub $(git -C "$(dirname "$hub")" describe --always --dirty 2>/dev/null || echo "$hub"), $(oha --version | head -n 1)," \
    "$(if [[ "$BENCH" == 1 ]]; then echo "${DURATION} s per operation after ${WARMUP} s warm-up, "; fi)concurrency $CONCURRENCY," \
    "hub flags: --rate-limit-per-second 0${HUB_ARGS:+ $HUB_ARGS}," \
    "PostgreSQL ANALYZE=$ANALYZE, autovacuum $(psql "$PG_URL/$PG_ADMIN_DB" -Atc 'show autovacuum' 2>/dev/null || echo '?')."
  if [[ "$BENCH" == 1 ]]; then
    echo
    echo "$header"
    echo "$rule"
  fi
} >"$RESULTS"
rm -f "$RESULTS.notes"
rows_out=()

bench_one() { # scale db server op
  local scale="$1" db="$2" server="$3" op="$4" body check rows bytes
  local m0 m1 r0 r1 e0 e1 main stmts gqlerr bad line
  body="$(body_file "$server" "$op")"
  check="$(check_answer "$server" "$op" "$body")"
  rows="${check% *}"
  bytes="${check#* }"
  main="$WORK/oha-$scale-$db-$server-$op.json"
  oha_run "$WARMUP" "$CONCURRENCY" "$(url_of "$server")" "$body" "$WORK/oha-warm.json"
  m0="$(metric kyodo_hub_sql_statements_total)"
  r0="$(metric kyodo_hub_graphql_requests_total)"
  e0="$(metric kyodo_hub_graphql_errors_total)"
  oha_run "$DURATION" "$CONCURRENCY" "$(url_of "$server")" "$body" "$main"
  m1="$(metric kyodo_hub_sql_statements_total)"
  r1="$(metric kyodo_hub_graphql_requests_total)"
  e1="$(metric kyodo_hub_graphql_errors_total)"
  stmts="-"
  gqlerr="-"
  if [[ "$server" == hub ]]; then
    ((r1 > r0)) && stmts="$(awk -v a=$((m1 - m0)) -v b=$((r1 - r0)) 'BEGIN { printf "%.1f", a / b }')"
    gqlerr=$((e1 - e0))
  fi
  # The same request once more after the load: still data, no errors.
  check_answer "$server" "$op" "$body" >/dev/null
  bad="$(oha_bad "$main")"
  line="$(jq -r --arg scale "$scale" --arg db "$db" --arg server "$server" --arg op "$op" \
    --arg n "$(oha_total "$main")" --arg bad "$bad" --arg gql "$gqlerr" --arg stmts "$stmts" \
    --arg logged "${logged[$scale-$db-$server-$op]:--}" --arg rows "$rows" --arg bytes "$bytes" '
    def ms: . * 10000 | round / 10;
    "| \($scale) | \($db) | \($server) | \($op) | \(.summary.requestsPerSec * 10 | round / 10) | \(.latencyPercentiles.p50 | ms) | \(.latencyPercentiles.p95 | ms) | \(.latencyPercentiles.p99 | ms) | \($n) | \($bad) | \($gql) | \($stmts) | \($logged) | \($rows) | \($bytes) |"' "$main")"
  echo "$line" >>"$RESULTS"
  rows_out+=("$line")
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
    if [[ "$db" == postgres && "$BENCH" == 1 ]]; then count_statements "$url" "$scale" "kyodo_load_$scale"; fi
    if [[ "$BENCH" == 1 ]]; then
      say "$db, scale $scale: load, $DURATION s per operation and server at $CONCURRENCY connections"
    fi
    start_servers "$url" "$scale" "$db"
    echo "Scale $scale, $db, at start: hub RSS $(rss_mb "$hub_pid") MB." | tee -a "$RESULTS.notes" >&2
    if [[ "$BENCH" == 1 ]]; then
      for op in $OPS; do
        for server in $servers; do
          bench_one "$scale" "$db" "$server" "$op"
        done
      done
    fi
    if [[ "$BENCH" == 1 ]]; then
      mem="hub RSS $(rss_mb "$hub_pid") MB"
      [[ -n "$pgl_pid" ]] && mem="$mem, PostGraphile RSS $(rss_mb "$pgl_pid") MB"
      echo "Scale $scale, $db, after the runs: $mem." | tee -a "$RESULTS.notes" >&2
    fi
    if ((SOAK > 0)); then soak "$scale" "$db"; fi
    stop_servers
  done
done

if [[ -f "$RESULTS.notes" ]]; then
  { echo; sed 's/^/- /' "$RESULTS.notes"; } >>"$RESULTS"
  rm -f "$RESULTS.notes"
fi
echo
cat "$RESULTS"
echo
echo "Written to $RESULTS"
