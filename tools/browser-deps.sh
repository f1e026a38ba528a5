#!/usr/bin/env bash
# Debian's headless Chromium for the report screenshot test (the HTML report is checked as a page is
# seen: rendered at 1280 px, every table measured against the viewport).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "[browser-deps] chromium missing; run as root: apt-get install -y chromium" >&2
  exit 1
fi
echo "[browser-deps] apt-get install chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium fonts-dejavu-core >&2
