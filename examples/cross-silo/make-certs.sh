#!/usr/bin/env bash
# Throwaway PKI for the cross-silo demo and tests (Debian's openssl):
#   make-certs.sh <dir> <name>...
# creates <dir>/ca.pem + ca.key once, then for every name <name>.pem + <name>.key: an EC P-256 key and a
# certificate signed by that CA whose subject CN and DNS subjectAltName are the host name (the party,
# or `dealer`), valid for client and server authentication. Real deployments use their own CA and
# keep ca.key offline (docs/deployment.md).
set -euo pipefail
dir=$1
shift
mkdir -p "$dir"
cd "$dir"
umask 077
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 7 -subj "/CN=sfw-cross-silo-demo-ca" 2>/dev/null
fi
for name in "$@"; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/CN=$name" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' "$name" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$name.pem" -days 7 \
    -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
done
