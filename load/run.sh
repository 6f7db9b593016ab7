#!/usr/bin/env bash
# The load test of issue 21: the production-like stack (make prod-local: gunicorn, 2 Celery
# workers, beat) on PostgreSQL + Redis, driven by locust (load/locustfile.py) in steps of
# users, once per number of gunicorn workers; then load/summarize.py prints the figures.
#
#   DATABASE_URL=postgres://…/loadtest REDIS_URL=redis://…/0 make load
#
# DATABASE_URL must name a scratch database (it is migrated and seeded with the demo data);
# REDIS_URL a Redis database nothing else uses. Knobs (environment):
#   LOAD_WEB_WORKERS  gunicorn workers per round          "2"      (e.g. "1 2 4" to show scaling)
#   LOAD_USERS        simulated users per step            "10 20 40 80"
#   LOAD_STEP_TIME    duration of each step               "60s"
#   LOAD_BIND         where the stack listens             127.0.0.1:8023
#   LOAD_LOCUST_ARGS  extra locust arguments, e.g. "SalesClerk Reviewer" for the portal only
# Everything it writes goes under load/results/<UTC timestamp>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a scratch PostgreSQL database}"
: "${REDIS_URL:?set REDIS_URL to a Redis database of its own}"
WEB_WORKERS=${LOAD_WEB_WORKERS:-2}
USERS=${LOAD_USERS:-10 20 40 80}
STEP_TIME=${LOAD_STEP_TIME:-60s}
BIND=${LOAD_BIND:-127.0.0.1:8023}
BASE="http://$BIND"
OUT="load/results/$(date -u +%Y%m%dT%H%M%SZ)"
LOCUST=.venv-load/bin/locust
TOKEN="load-metrics-$RANDOM$RANDOM"
mkdir -p "$OUT"
[ -x "$LOCUST" ] || { echo "locust is not installed: run 'make load' (it installs .venv-load)"; exit 2; }

# Behind a proxy each client has its own address (X-Real-IP), so the per-client limits of the
# tracking page and the carrier endpoint apply per simulated user, not to the load generator.
export RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP CARRIER_API_RATE_LIMIT=6000/m METRICS_TOKEN="$TOKEN"
export CELERY_TASK_ALWAYS_EAGER=false PROD_BIND="$BIND"
# The seeding below and the stack (make prod-local, DEBUG off) share the encryption keys; the
# demo password is refused with DEBUG off, so the simulated staff get a password of this run.
export FIELD_ENCRYPTION_KEYS=${FIELD_ENCRYPTION_KEYS:-N1_lKG-Soq69q5iBavxHTOJ-uRtn9tMdVbUZd9kdUpc=}
export FIELD_BLIND_INDEX_KEY=${FIELD_BLIND_INDEX_KEY:-uuW2xun9OxrKPhzVu6lPNkHWqpg4coLCIee-HChdKV0=}
export LOAD_PASSWORD="load-$RANDOM$RANDOM-$RANDOM"

echo "== seeding $DATABASE_URL"
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py shell -c "exec(open('load/prepare.py').read())"
# The REST API's client (issue 15): its token is the command's last line.
run_id=$(date -u +%m%d%H%M%S)  # client names and channel codes are unique: one client per run
api_token=$(.venv/bin/python manage.py api_client_create "负载测试渠道 $run_id" --channel "load-$run_id" \
  --scope orders:write --scope orders:read --rate-limit 100000/m | tail -n 1)
.venv/bin/python - "$api_token" <<'PY'
import json, sys
from pathlib import Path

path = Path("load/results/fixtures.json")
fixtures = json.loads(path.read_text())
fixtures["api"] = {"token": sys.argv[1]}
path.write_text(json.dumps(fixtures, ensure_ascii=False, indent=1))
PY
cp load/results/fixtures.json "$OUT/fixtures.json"

stack_pid=""
stop_stack() {
  [ -n "$stack_pid" ] || return 0
  kill -TERM "$(pgrep -P "$stack_pid" -f honcho)" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$stack_pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$stack_pid" 2>/dev/null || true
  stack_pid=""
}
trap stop_stack EXIT

sample_backlog() {  # every 5 s: review backlog, oldest wait, Celery queue length
  local file=$1
  echo "time,pending_review,oldest_wait_seconds,celery_queue_length" > "$file"
  while sleep 5; do
    curl -s -m 4 -H "Authorization: Bearer $TOKEN" "$BASE/metrics" | awk -v t="$(date -u +%H:%M:%S)" '
      /^ordermgmt_orders\{status="pending_review"\}/ {p=$2}
      /^ordermgmt_orders_oldest_wait_seconds\{status="pending_review"\}/ {w=$2}
      /^ordermgmt_celery_queue_length/ {q=$2}
      END {print t "," p "," w "," q}' >> "$file"
  done
}

for workers in $WEB_WORKERS; do
  echo "== stack with $workers gunicorn worker(s)"
  WEB_CONCURRENCY=$workers setsid make prod-local > "$OUT/stack-w$workers.log" 2>&1 &
  stack_pid=$!
  for _ in $(seq 1 120); do curl -sf -m 5 "$BASE/health/ready/" >/dev/null 2>&1 && break; sleep 1; done
  curl -sf -m 5 "$BASE/health/ready/" >/dev/null || { tail -n 40 "$OUT/stack-w$workers.log"; exit 1; }
  for users in $USERS; do
    echo "-- $users users for $STEP_TIME"
    sample_backlog "$OUT/w$workers-u$users-backlog.csv" & sampler=$!
    # shellcheck disable=SC2086
    "$LOCUST" -f load/locustfile.py --host "$BASE" --headless --users "$users" \
      --spawn-rate "$(( users > 10 ? users / 5 : 2 ))" --run-time "$STEP_TIME" --stop-timeout 10 \
      --csv "$OUT/w$workers-u$users" --only-summary ${LOAD_LOCUST_ARGS:-} > "$OUT/w$workers-u$users-locust.log" 2>&1 || true
    kill "$sampler" 2>/dev/null || true
  done
  stop_stack
done
.venv/bin/python load/summarize.py "$OUT" | tee "$OUT/summary.md"
