#!/usr/bin/env bash
# `make bench` prerequisites: Debian wrk, the PostgreSQL client (pgbench) and HAProxy (scripts/system-deps.sh bench), the profilers in the venv, and the
# local PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) — started if down, as .ci/run does.
# Installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh bench
.venv/bin/python -c "import psutil, pyinstrument" 2>/dev/null && [ -x .venv/bin/py-spy ] \
  || .venv/bin/pip install -q py-spy pyinstrument psutil
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi
