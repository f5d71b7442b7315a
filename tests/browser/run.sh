#!/usr/bin/env bash
# Browser tests of the portal and GraphiQL: builds the release binary (cargo decides if anything changed),
# starts `zoho-gateway --sandbox` on a fixed loopback port with an in-memory store, first in trusted-documents
# mode for the portal's tests, then in its default mode for GraphiQL's, and exits with the tests' status.
# Prerequisites (what .ci/run installs): Debian's chromium, and `npm ci` in tests/browser/ (`npm ci` in
# playground/ too, to check the vendored GraphiQL against the pinned packages; the gateway needs no npm step).
# Environment: ZGW_TEST_PORT (default 18085), ZGW_SKIP_BUILD=1 to use the binary as it is,
# ZGW_DOCS_SCREENSHOT=1 to refresh docs/portal.png (the README's picture of the portal).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${ZGW_TEST_PORT:-18085}"
base="http://127.0.0.1:${port}"
bin="$repo/target/release/zoho-gateway"

fail() { echo "tests/browser/run.sh: $*" >&2; exit 1; }

[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || fail "Chromium is missing: apt-get install -y chromium"
[ -d "$here/node_modules/playwright-core" ] || fail "run 'npm ci' in tests/browser/ first"

if [ "${ZGW_SKIP_BUILD:-0}" != 1 ]; then
  (cd "$repo" && cargo build --release --locked)
fi
[ -x "$bin" ] || fail "$bin was not built"

# A gateway left over from another run would be tested instead of this build: refuse.
if curl -fsS -o /dev/null --max-time 2 "$base/healthz" 2>/dev/null; then
  fail "something already answers on $base; stop it or set ZGW_TEST_PORT"
fi

work="$(mktemp -d -t zoho-gateway-browser.XXXXXX)"
gateway=""
stop() {
  if [ -n "$gateway" ]; then
    kill "$gateway" 2>/dev/null || true
    wait "$gateway" 2>/dev/null || true
    gateway=""
  fi
}
trap 'stop; rm -rf "$work"' EXIT

# Starts the release binary with --sandbox on $port with the extra environment given as NAME=value
# arguments, and waits for /healthz. The portal and GraphiQL are the copies built into the binary.
start() {
  log="$work/gateway-$1.log"
  shift
  (cd "$repo" && exec env GATEWAY_BIND="127.0.0.1:${port}" GATEWAY_METRICS_BIND="127.0.0.1:0" \
    ZOHO_REDIRECT_URIS="${base}/redirect.html" DATABASE_URL="memory:" "$@" "$bin" --sandbox >"$log" 2>&1) &
  gateway=$!
  local ready=0
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
}

# Runs node's test runner on the given files against the gateway; on failure prints the gateway's log.
run_tests() {
  local status=0
  (cd "$here" && ZGW_BASE_URL="$base" node --test --test-concurrency=1 "$@") || status=$?
  if [ "$status" != 0 ]; then
    echo "--- last 80 lines of the gateway log ($log) ---"
    tail -n 80 "$log"
  fi
  return "$status"
}

status=0
# 1. The portal as production runs it: trusted-documents mode, with the portal's manifest (and, listed
#    apart, the tests' own arrange and clean-up documents).
node "$here/test-documents.mjs" "$work/test-documents.json"
start trusted GATEWAY_TRUSTED_DOCUMENTS="$repo/playground/trusted-documents.json,$work/test-documents.json"
run_tests operations.test.mjs portal.test.mjs list.test.mjs live.test.mjs || status=$?
stop
# 2. GraphiQL runs whatever is typed into it: the default mode.
start open
run_tests graphiql.test.mjs || status=$?
exit "$status"
