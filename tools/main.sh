#!/usr/bin/env bash
# The main job on the embedded default: set-up, then the full pipeline on the bundled data with no Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec node apps/worker/dist/cli.js run "${@:-examples/pipeline.json}"
