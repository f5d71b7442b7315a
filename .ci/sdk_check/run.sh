#!/usr/bin/env bash
# Runs Zoho's official Python SDK (zohocrmsdk8-0, pinned in requirements.txt) against the sandbox:
# builds and starts the sandbox crate's `examples/serve.rs` (with an API credit budget, so the
# check sees X-API-CREDITS-REMAINING and the 429 when credits run out), then runs check.py. Exits non-zero if the SDK rejects any
# sandbox response or a result is wrong.
#
# Env: SANDBOX_CRATE_DIR (workspace holding crates/zoho-sandbox; default: this repository),
#      CARGO_TARGET_DIR (as cargo), PYTHON (default python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
crate="${SANDBOX_CRATE_DIR:-$(cd "$here/../.." && pwd)}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
    if [[ -n "$sandbox_pid" ]] && kill -0 "$sandbox_pid" 2>/dev/null; then
        kill "$sandbox_pid" 2>/dev/null || true
        wait "$sandbox_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== sdk_check: venv and zohocrmsdk8-0"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

echo "== sdk_check: building the sandbox example"
(cd "$crate" && cargo build --quiet -p zoho-sandbox --example serve)
target_dir="${CARGO_TARGET_DIR:-$crate/target}"
[[ "$target_dir" = /* ]] || target_dir="$crate/$target_dir"
binary="$target_dir/debug/examples/serve"

redirect_uri="http://127.0.0.1:9/sdk-check/callback"
credit_budget=400
"$binary" --redirect-uri "$redirect_uri" --credit-budget "$credit_budget" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 100); do
    grep -q '^READY$' "$work/sandbox.out" 2>/dev/null && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$work/sandbox.err" >&2; echo "sandbox exited early" >&2; exit 1; }
    sleep 0.1
done
grep -q '^READY$' "$work/sandbox.out" || { echo "sandbox did not start" >&2; exit 1; }

echo "== sdk_check: running check.py"
mkdir -p "$work/sdk"
(
    set -a
    # shellcheck disable=SC1091
    source <(grep -E '^[A-Z_]+=' "$work/sandbox.out")
    set +a
    cd "$work/sdk"
    CREDIT_BUDGET="$credit_budget" REDIRECT_URI="$redirect_uri" WORK_DIR="$work/sdk" "$work/venv/bin/python" "$here/check.py"
)
