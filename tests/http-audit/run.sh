#!/usr/bin/env bash
# GraphQL-over-HTTP audit: starts `zoho-gateway --sandbox` on a loopback port with an in-memory
# store and runs graphql-http's audit suite against /graphql (every MUST, and at least 20 of the
# 23 SHOULD audits, must pass). Needs `npm ci` in this folder first (.ci/run does it).
# ZGW_AUDIT_PORT (default 18086); ZGW_SKIP_BUILD=1 uses target/release/zoho-gateway as it is.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${ZGW_AUDIT_PORT:-18086}"
bin="$repo/target/release/zoho-gateway"

[ -d "$here/node_modules/graphql-http" ] || { echo "run 'npm ci' in tests/http-audit first" >&2; exit 1; }
if [ "${ZGW_SKIP_BUILD:-0}" != 1 ]; then (cd "$repo" && cargo build --release --locked); fi
if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}/healthz" 2>/dev/null; then
  echo "something already answers on port ${port}" >&2; exit 1
fi

log="$(mktemp -t zoho-gateway-audit.XXXXXX.log)"
cd "$repo"
GATEWAY_BIND="127.0.0.1:${port}" GATEWAY_METRICS_BIND="127.0.0.1:0" DATABASE_URL="memory:" GATEWAY_LOG=warn "$bin" --sandbox >"$log" 2>&1 &
gateway=$!
trap 'kill "$gateway" 2>/dev/null || true; wait "$gateway" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}/healthz" 2>/dev/null && break
  kill -0 "$gateway" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.5
done
ZGW_GRAPHQL_URL="http://127.0.0.1:${port}/graphql" node "$here/audit.mjs"
