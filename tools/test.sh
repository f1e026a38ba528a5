#!/usr/bin/env bash
# The whole test suite, from a fresh machine: set-up, type check, lint, then every Vitest project
# (unit, multiparty, redis, compat). Needs a Redis on 127.0.0.1:6379 (REDIS_URL overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/python-deps.sh
bash tools/browser-deps.sh
echo "[test] typecheck" >&2
pnpm run typecheck
echo "[test] lint" >&2
pnpm run lint
echo "[test] vitest" >&2
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.vitest-report.json "$@"
node tools/summarize-tests.mjs .vitest-report.json
