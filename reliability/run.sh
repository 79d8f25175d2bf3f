#!/usr/bin/env bash
# `make reliability DATABASE_URL=postgres://…`: the long checks (reliability/check_*.py) and the fast
# reliability tests of the suite, on PostgreSQL, with a private Redis (port 6390, started and stopped here, so
# the shared one is never touched); check_pg_restart.py crashes and restarts its own private PostgreSQL cluster
# (initdb, port 5439), never the server of DB_URL. Figures → bench/RELIABILITY.md and bench/reliability.json.
set -uo pipefail
cd "$(dirname "$0")/.."
DB_URL="${1:?usage: reliability/run.sh postgres://user@host:port/name}"
case "$DB_URL" in postgres*) ;; *) echo "make reliability needs PostgreSQL (got $DB_URL)"; exit 2 ;; esac
OUT=var/reliability
mkdir -p "$OUT"
rm -f "$OUT"/results.jsonl "$OUT"/*.xml
REDIS_PORT="${RELIABILITY_REDIS_PORT:-6390}"
REDIS_DIR="$(mktemp -d)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$REDIS_DIR" \
  --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
trap 'test -f "$REDIS_DIR/redis.pid" && kill "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null; rm -rf "$REDIS_DIR"' EXIT
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
export DATABASE_URL="$DB_URL" RELIABILITY_RESULTS="$PWD/$OUT/results.jsonl" RELIABILITY_REDIS_PORT="$REDIS_PORT"
export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0" REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1"
PY=.venv/bin/python
status=0
suite() {  # the fast ones that also run in the normal suite and CI
  DATABASE_URL="$1" $PY -m pytest -p no:cacheprovider -n 0 -q tests/test_reliability_money_model.py \
    tests/test_reliability_db_guards.py tests/test_reliability_outbox.py tests/test_access_matrix.py \
    tests/test_database_unavailable.py tests/test_upload_corpus.py tests/test_backup_restore.py tests/test_security.py tests/test_deployment.py \
    tests/test_security_abuse.py tests/test_security_scheduler_exports.py \
    --junitxml "$OUT/suite.xml"
}
suite_pid=""
if [ "${RELIABILITY_PARALLEL:-0}" = 1 ]; then  # on a second database, next to the long checks
  suite "${DB_URL}_suite" & suite_pid=$!
fi
# the long checks (sizes from RELIABILITY_* variables, see reliability/figures.py:scale)
$PY -m pytest -p no:cacheprovider -p no:randomly -n 0 -q -o python_files='check_*.py' reliability \
  --junitxml "$OUT/long.xml" || status=1
if [ -n "$suite_pid" ]; then wait "$suite_pid" || status=1; else suite "$DB_URL" || status=1; fi
$PY -m reliability.report "$OUT/results.jsonl" "$OUT/long.xml" "$OUT/suite.xml" || status=1
exit $status
