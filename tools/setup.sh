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

# The optional native AES-CTR keystream (packages/ring/native): node-gyp (bundled with npm) against
# the headers of the Node that runs it, offline. Best effort: without it @sfw/ring uses node:crypto.
native_aes() {
  local gyp nodedir
  gyp="$(npm root -g 2>/dev/null)/npm/node_modules/node-gyp/bin/node-gyp.js"
  nodedir=$(npm config get nodedir 2>/dev/null || true)
  if [ -z "$nodedir" ] || [ "$nodedir" = undefined ] || [ "$nodedir" = null ]; then nodedir=$(node -p 'require("path").resolve(process.execPath, "../..")'); fi
  [ -f "$gyp" ] && [ -f "$nodedir/include/node/node_api.h" ] && [ -f "$nodedir/include/node/openssl/evp.h" ] || return 1
  (cd packages/ring/native && node "$gyp" rebuild --nodedir="$nodedir" --loglevel=silent >/dev/null 2>&1) || return 1
  SFW_NATIVE_AES=1 node -e 'require(process.argv[1]).ctx(new Uint8Array(16))' "$PWD/packages/ring/native/build/Release/sfw_aes.node" 2>/dev/null
}
if native_aes; then
  echo "[setup] native AES-CTR keystream built" >&2
else
  echo "[setup] native AES-CTR keystream not built (no compiler, node-gyp or Node headers): using node:crypto" >&2
fi
