#!/usr/bin/env bash
# The typed clients' CI: `npm run check` (the generated operations and types are up to date with
# playground/app.js and schema.graphql, and the recipes type-check), then the three recipes (Apollo Client,
# urql, plain fetch) against a live `zoho-gateway --sandbox` on a free loopback port with an in-memory store.
# Every step runs; the script exits non-zero when any of them failed.
# Prerequisite: `npm ci` in clients/ (.ci/run does it). Environment: ZGW_CLIENTS_PORT (default: a free
# port), ZGW_SKIP_BUILD=1 to use target/release/zoho-gateway as it is.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="$repo/target/release/zoho-gateway"

fail() { echo "clients/run.sh: $*" >&2; exit 1; }

[ -d "$here/node_modules/@graphql-codegen/cli" ] || fail "run 'npm ci' in clients/ first"
if [ "${ZGW_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && cargo build --release --locked --bin zoho-gateway)
fi
[ -x "$bin" ] || fail "$bin was not built"

port="${ZGW_CLIENTS_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
base="http://127.0.0.1:${port}"
# A gateway left over from another run would be tested instead of this build: refuse.
if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
  fail "something already answers on $base; stop it or set ZGW_CLIENTS_PORT"
fi

log="$(mktemp -t zoho-gateway-clients.XXXXXX.log)"
cd "$repo"
GATEWAY_BIND="127.0.0.1:${port}" \
GATEWAY_METRICS_BIND="127.0.0.1:0" \
ZOHO_REDIRECT_URIS="${base}/redirect.html" \
DATABASE_URL="memory:" \
  "$bin" --sandbox >"$log" 2>&1 &
gateway=$!

stop() {
  kill "$gateway" 2>/dev/null || true
  wait "$gateway" 2>/dev/null || true
}
trap stop EXIT

ready=0
for _ in $(seq 1 120); do
  if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then ready=1; break; fi
  kill -0 "$gateway" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" != 1 ]; then
  echo "--- gateway log ($log) ---" >&2; cat "$log" >&2
  fail "the gateway did not answer $base/healthz within 60 s"
fi
echo "gateway ready at $base (log: $log)"

cd "$here"
export ZGW_GATEWAY_URL="$base"
passed=0
failed=0
failures=()
run_step() {
  local name="$1"; shift
  local started=$SECONDS
  echo
  echo "--- $name"
  if "$@"; then
    passed=$((passed + 1)); echo "--- $name: ok ($((SECONDS - started)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "--- $name: FAILED ($((SECONDS - started)) s)"
  fi
}
run_step "npm run check (codegen up to date, tsc --noEmit)" npm run --silent check
run_step "recipe: Apollo Client" node_modules/.bin/tsx recipes/apollo.ts
run_step "recipe: urql" node_modules/.bin/tsx recipes/urql.ts
run_step "recipe: fetch" node_modules/.bin/tsx recipes/fetch.ts

if [ "$failed" != 0 ]; then
  echo
  echo "failed: ${failures[*]}"
  echo "--- last 60 lines of the gateway log ($log) ---"
  tail -n 60 "$log"
fi
echo
echo "typed clients: $passed passed, $failed failed"
[ "$failed" = 0 ]
