#!/usr/bin/env bash
# Debian's Python stack for the compatibility and reference tests: the real Celery client and the
# plaintext references (scikit-learn, pandas, statsmodels, xgboost). Always /usr/bin/python3.
set -euo pipefail
pkgs=(python3-celery python3-redis python3-sklearn python3-pandas python3-statsmodels python3-xgboost)
if /usr/bin/python3 -c 'import celery, redis, sklearn, pandas, statsmodels, xgboost' >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "[python-deps] missing Debian packages; run as root: apt-get install -y ${pkgs[*]}" >&2
  exit 1
fi
echo "[python-deps] apt-get install ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${pkgs[@]}" >&2
