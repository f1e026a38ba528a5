#!/usr/bin/env bash
# The main job on the embedded default: set-up, then the full pipeline (PSI -> SS-LR train -> predict ->
# evaluation) on the bundled data, in-process, with no Redis. Prints a summary; writes the result JSON
# and the HTML report under out/pipeline/. Extra arguments replace the defaults (e.g. another task file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
# glibc keeps freed memory mapped (fewer first-touch page faults in the SPU threads, and the dealer
# reuses its answers across threads only then): packages/runtime/src/malloc.ts has the measurements.
# Read at process start only; an explicit GLIBC_TUNABLES (even empty) is left as it is.
export GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456}"
if [ "$#" -gt 0 ]; then
  exec node apps/worker/dist/cli.js run "$@"
fi
mkdir -p out/pipeline
exec node apps/worker/dist/cli.js run examples/pipeline.json --out out/pipeline/result.json --report out/pipeline/report.html
