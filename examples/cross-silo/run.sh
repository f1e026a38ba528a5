#!/usr/bin/env bash
# One-command cross-silo demo on loopback (docs/deployment.md):
#   - a throwaway CA and certificates for alice, bob and the dealer (make-certs.sh, Debian openssl),
#   - two Redis databases (one redis-server per party, free loopback ports, no persistence),
#   - the alice worker, the bob worker and the TTP dealer as separate OS processes, each party in its
#     own directory holding only its own data,
#   - the README pipeline (PSI -> SS-LR -> predict -> eval) sent by the Python Celery client to BOTH
#     parties (same task_request_id), then compared with the local-mode run of the same task.
# Stops everything it started and exits 0 when the outputs match.
# Environment: KEEP=1 keeps the work directory; SFW_DEMO_DIR=dir uses dir instead of a fresh one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cli="$repo/apps/worker/dist/cli.js"
py=/usr/bin/python3
work=${SFW_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sfw-cross-silo.XXXXXX")}
mkdir -p "$work"
pids=()      # workers and dealer
redis_pids=()
stop() { # pid...: SIGTERM, then SIGKILL after 20 s
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local rc=$?
  # Workers first (a warm shutdown talks to its Redis), then the Redis servers.
  stop "${pids[@]}"
  stop "${redis_pids[@]}"
  if [ "${KEEP:-0}" = 1 ] || [ $rc -ne 0 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
  exit $rc
}
trap cleanup EXIT INT TERM

[ -f "$cli" ] || (cd "$repo" && pnpm run build >/dev/null)
# n distinct free loopback ports: every socket stays bound until all are chosen, so the kernel cannot
# hand the same port out twice (as it may to separate bind-and-close calls).
free_ports() { "$py" -c 'import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"; }
wait_for() { # file pattern seconds
  for _ in $(seq 1 $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; return 1
}

echo "== certificates ($work/certs)"
bash "$here/make-certs.sh" "$work/certs" alice bob dealer

declare -A redis link
read -r redis[alice] redis[bob] link[alice] link[bob] link[dealer] <<<"$(free_ports 5)"
for p in alice bob; do
  redis-server --port "${redis[$p]}" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$work/redis-$p.log" 2>&1 &
  redis_pids+=($!)
done
for p in alice bob; do wait_for "$work/redis-$p.log" 'Ready to accept connections' 10; done
echo "== redis: alice 127.0.0.1:${redis[alice]}, bob 127.0.0.1:${redis[bob]}"

# Each party's directory holds only its own input; outputs land under its own out/.
for p in alice bob; do
  mkdir -p "$work/$p/examples/data/breast_cancer"
  cp "$repo/examples/data/breast_cancer/$p.csv" "$work/$p/examples/data/breast_cancer/"
done
addr() { echo "127.0.0.1:${link[$1]}"; }
"$py" - "$repo/examples/pipeline.json" "$work/task.json" "$(addr alice)" "$(addr bob)" <<'PY'
import json, sys
src, dst, a, b = sys.argv[1:5]
with open(src) as f:
    task = json.load(f)
task.pop('_note', None)
# SecretFlow production-mode shape; each worker dials the addresses of its OWN configuration.
task['sf_init_config'] = {'parties': ['alice', 'bob'], 'cluster_config': {'parties': {'alice': {'address': a}, 'bob': {'address': b}}}}
with open(dst, 'w') as f:
    json.dump(task, f, indent=1)
PY

tls() { echo "SECRETFLOW_TLS_CERT=$work/certs/$1.pem SECRETFLOW_TLS_KEY=$work/certs/$1.key SECRETFLOW_TLS_CA=$work/certs/ca.pem"; }
echo "== dealer on $(addr dealer)"
env $(tls dealer) SECRETFLOW_DEALER=dealer SECRETFLOW_LISTEN="$(addr dealer)" \
  SECRETFLOW_PEERS="alice=$(addr alice),bob=$(addr bob)" LOG_LEVEL=info node "$cli" dealer >"$work/dealer.log" 2>&1 &
pids+=($!)
for p in alice bob; do
  other=$([ $p = alice ] && echo bob || echo alice)
  echo "== $p worker: redis 127.0.0.1:${redis[$p]}, link $(addr $p), data $work/$p"
  (cd "$work/$p" && exec env $(tls $p) SECRETFLOW_PARTY=$p SECRETFLOW_LISTEN="$(addr $p)" \
    SECRETFLOW_PEERS="$other=$(addr $other),dealer=$(addr dealer)" REDIS_URL="redis://127.0.0.1:${redis[$p]}/0" \
    WORKER_HOSTNAME="sfw-$p@demo" SFW_WORK_DIR="$work/$p/work" LOG_LEVEL=info node "$cli" worker >"$work/$p.log" 2>&1) &
  pids+=($!)
done
wait_for "$work/dealer.log" '"dealer ready"' 30
for p in alice bob; do wait_for "$work/$p.log" '"worker ready"' 60; done

id="cross-silo-$(date +%s)-$$"
echo "== submitting $id to both parties (Python Celery client)"
t0=$(date +%s.%N)
"$py" "$here/submit.py" "$work/task.json" "$id" 300 "alice=redis://127.0.0.1:${redis[alice]}/0" "bob=redis://127.0.0.1:${redis[bob]}/0" >"$work/submitted.json"
echo "   both parties done in $("$py" -c "print(round($(date +%s.%N) - $t0, 1))") s"

echo "== local-mode reference run"
mkdir -p "$work/local/examples/data/breast_cancer"
cp "$repo"/examples/data/breast_cancer/{alice,bob}.csv "$work/local/examples/data/breast_cancer/"
(cd "$work/local" && LOG_LEVEL=warn node "$cli" run "$repo/examples/pipeline.json" -q --out "$work/local/result.json" >/dev/null 2>"$work/local.log")

echo "== comparing"
"$py" "$here/compare.py" "$work/local" "$work/local/result.json" "$work/alice" "$work/bob" "$work/submitted.json"
echo "cross-silo demo OK"
