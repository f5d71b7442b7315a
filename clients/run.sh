#!/usr/bin/env bash
# The typed clients' CI: `npm run check` (the generated operations and types are up to date with
# playground/app.js and schema.graphql, and the recipes type-check), then the three recipes (Apollo Client,
# urql, plain fetch) and the subscriptions recipe (Apollo Client over WebSocket, urql over SSE) against a live
# `zoho-gateway --sandbox` on a free loopback port with an in-memory store, and the trusted-documents recipe
# against a second one started with
# GATEWAY_TRUSTED_DOCUMENTS=clients/src/gql/persisted-documents.json.
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

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT

# start_gateway PORT LOG [VAR=VALUE...]: `zoho-gateway --sandbox` on 127.0.0.1:PORT with an in-memory store,
# its redirect URL registered, and the extra environment given; returns once /healthz answers.
start_gateway() {
  local port="$1" log="$2"; shift 2
  local base="http://127.0.0.1:${port}"
  # A gateway left over from another run would be tested instead of this build: refuse.
  if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
    fail "something already answers on $base; stop it or set ZGW_CLIENTS_PORT"
  fi
  (cd "$repo" && exec env GATEWAY_BIND="127.0.0.1:${port}" GATEWAY_METRICS_BIND="127.0.0.1:0" \
    ZOHO_REDIRECT_URIS="${base}/redirect.html" DATABASE_URL="memory:" "$@" "$bin" --sandbox >"$log" 2>&1) &
  pids+=($!)
  local ready=0
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then ready=1; break; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    echo "--- gateway log ($log) ---" >&2; cat "$log" >&2
    fail "the gateway did not answer $base/healthz within 60 s"
  fi
  echo "gateway ready at $base (log: $log)"
}

port="${ZGW_CLIENTS_PORT:-$(free_port)}"
log="$(mktemp -t zoho-gateway-clients.XXXXXX.log)"
start_gateway "$port" "$log"
base="http://127.0.0.1:${port}"

# The same, in trusted-documents mode: only the operations of the client preset's manifest run.
trusted_port="$(free_port)"
while [ "$trusted_port" = "$port" ]; do trusted_port="$(free_port)"; done
trusted_log="$(mktemp -t zoho-gateway-clients-trusted.XXXXXX.log)"
start_gateway "$trusted_port" "$trusted_log" GATEWAY_TRUSTED_DOCUMENTS="$here/src/gql/persisted-documents.json"
trusted_base="http://127.0.0.1:${trusted_port}"

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
run_step "recipe: subscriptions (Apollo Client over WebSocket, urql over SSE)" node_modules/.bin/tsx recipes/subscriptions.ts
run_step "recipe: trusted documents (documentId, GATEWAY_TRUSTED_DOCUMENTS)" \
  env ZGW_GATEWAY_URL="$trusted_base" node_modules/.bin/tsx recipes/trusted-documents.ts

if [ "$failed" != 0 ]; then
  echo
  echo "failed:"; printf '  %s\n' "${failures[@]}"
  echo "--- last 40 lines of the gateway log ($log) ---"
  tail -n 40 "$log"
  echo "--- last 40 lines of the trusted-documents gateway log ($trusted_log) ---"
  tail -n 40 "$trusted_log"
fi
echo
echo "typed-clients: $passed passed, $failed failed"
[ "$failed" = 0 ]
