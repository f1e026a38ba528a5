#!/usr/bin/env bash
# The main job on the embedded default: set-up, then the full pipeline (PSI -> SS-LR train -> predict ->
# evaluation) on the bundled data, in-process, with no Redis. Prints a summary; writes the result JSON
# and the HTML report under out/pipeline/. Extra arguments replace the defaults (e.g. another task file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
if [ "$#" -gt 0 ]; then
  exec node apps/worker/dist/cli.js run "$@"
fi
mkdir -p out/pipeline
exec node apps/worker/dist/cli.js run examples/pipeline.json --out out/pipeline/result.json --report out/pipeline/report.html
