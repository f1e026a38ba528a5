#!/usr/bin/env bash
# One-time (idempotent) set-up on a fresh machine: pnpm at the pinned version, dependencies, build.
# Called by `npm run main` and `npm test`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_pnpm=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$want_pnpm" ]; then
  echo "[setup] installing pnpm@$want_pnpm" >&2
  npm install -g "pnpm@$want_pnpm" --loglevel=error >&2
fi

if [ -n "${CI:-}" ]; then
  pnpm install --frozen-lockfile --reporter=append-only >&2
else
  pnpm install --prefer-offline --reporter=silent >&2
fi

echo "[setup] building packages" >&2
TURBO_TELEMETRY_DISABLED=1 pnpm exec turbo run build --output-logs=errors-only >&2
