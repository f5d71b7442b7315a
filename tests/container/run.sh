#!/usr/bin/env bash
# The container image, built and run as users run it (podman, runc; no registry needed):
#  1. makes a Debian base image with debootstrap (from the mirror apt uses) and imports it, cached
#     under $ZGW_CONTAINER_CACHE (default /var/cache/zoho-gateway-container) by a key of its recipe,
#     rebuilt when the recipe changes or the cache is older than $ZGW_BASE_MAX_AGE_DAYS (default 30);
#  2. builds the release binary on the host (unless ZGW_SKIP_BUILD=1) and the image from
#     deploy/Containerfile.local;
#  3. starts the sandbox (crates/zoho-sandbox/examples/serve.rs) on the host, makes a fresh PostgreSQL
#     database, and runs two gateway containers (read-only root, host network) on it;
#  4. signs in through container A, reads leads through container B with the same cookie, checks the
#     image's configuration, that the process is not root, that the root filesystem is read-only, the
#     embedded portal, the metrics listener and the HEALTHCHECK (the last two only once the binary
#     has them), then sends SIGTERM to B during a slow request and checks that the request completes
#     and B exits 0;
#  5. runs a third container with the image's own GATEWAY_BIND on podman's bridge network behind a
#     published port (built-in sandbox, in-memory store): it answers, is healthy, stops with 0.
# Cleans up containers, sandbox and database on any exit, and prints how long each phase took.
# Runs as root (apt-get, debootstrap, rootful podman) from any folder; CI runs it from .ci/run.
# Environment: ZGW_SKIP_BUILD=1 (use target/release/zoho-gateway as it is), ZGW_CONTAINER_CACHE,
# ZGW_BASE_MAX_AGE_DAYS, ZGW_DEBIAN_MIRROR (default: the first Debian mirror in apt's sources),
# ZGW_TEST_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

cache="${ZGW_CONTAINER_CACHE:-/var/cache/zoho-gateway-container}"
max_age_days="${ZGW_BASE_MAX_AGE_DAYS:-30}"
pg_admin="${ZGW_TEST_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
image="localhost/zoho-gateway:test"
bin="$repo/target/release/zoho-gateway"
name_a="zgw-test-a-$$"
name_b="zgw-test-b-$$"
name_c="zgw-test-c-$$"
db="zgw_container_$$"
work="$(mktemp -d -t zgw-container.XXXXXX)"
sandbox_pid=""
db_created=0
rootfs=""

fail() { echo "tests/container/run.sh: FAILED: $*" >&2; exit 1; }
ok() { echo "  ok: $*"; }
skipped() { echo "  SKIPPED: $*"; }

# --- timings: `phase NAME` closes the running phase and opens the next
now_ms() { echo $(($(date +%s%N) / 1000000)); }
started_ms="$(now_ms)"
phase_names=()
phase_ms=()
current=""
current_ms="$started_ms"
phase() {
  local t
  t="$(now_ms)"
  if [ -n "$current" ]; then
    phase_names+=("$current")
    phase_ms+=($((t - current_ms)))
  fi
  current="$1"
  current_ms="$t"
  if [ -n "$current" ]; then printf '\n--- %s (%s)\n' "$current" "$(date -u +%H:%M:%S)"; fi
}
seconds() { printf '%d.%01d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }
print_timings() {
  local i
  phase ""
  echo
  echo "--- timings"
  for i in "${!phase_names[@]}"; do
    printf '  %-56s %10s\n' "${phase_names[$i]}" "$(seconds "${phase_ms[$i]}")"
  done
  printf '  %-56s %10s\n' "total" "$(seconds $(($(now_ms) - started_ms)))"
}

pm() { podman --runtime runc "$@"; }

cleanup() {
  local status=$?
  set +e
  if [ "$status" != 0 ]; then
    for c in "$name_a" "$name_b" "$name_c"; do
      if pm container exists "$c" 2>/dev/null; then
        echo "--- last 40 log lines of container $c" >&2
        pm logs --tail 40 "$c" >&2
      fi
    done
    if [ -f "$work/sandbox.err" ]; then
      echo "--- last 20 lines of the sandbox's stderr" >&2
      tail -n 20 "$work/sandbox.err" >&2
    fi
  fi
  for c in "$name_a" "$name_b" "$name_c"; do pm rm -f -t 0 "$c" >/dev/null 2>&1; done
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null
    wait "$sandbox_pid" 2>/dev/null
  fi
  if [ "$db_created" = 1 ]; then
    psql -q -X "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  fi
  [ -n "$rootfs" ] && remove_rootfs "$rootfs"
  rm -rf "$work"
  print_timings
  if [ "$status" = 0 ]; then echo "container test passed"; else echo "container test FAILED (exit $status)" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'echo "tests/container/run.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# A debootstrap folder may hold mounts (/proc) when it was interrupted: unmount before removing.
remove_rootfs() {
  local dir="$1" mount
  [ -d "$dir" ] || return 0
  awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mount; do
    umount -l "$mount" || true
  done
  rm -rf --one-file-system "$dir"
}

# The first Debian archive among apt's sources (deb822 .sources or one-line .list).
debian_mirror() {
  local files=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  cat "${files[@]}" 2>/dev/null |
    grep -oE '^(deb|URIs:)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+' |
    grep -oE 'https?://[^[:space:]]+' | grep -v -- '-security' | grep -E '/debian/?$' | head -n 1 || true
}

# ---------------------------------------------------------------------------------------------
phase "tools (podman, runc, debootstrap)"
[ "$(id -u)" = 0 ] || fail "run as root (apt-get, debootstrap and rootful podman)"
need=()
for tool in podman runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
for tool in psql python3 curl; do command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing"; done
# crun, podman's default runtime, cannot set rlimits or cgroups on our machines: runc, and no
# default ulimits.
printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
podman --version
runc --version | head -n 1

# ---------------------------------------------------------------------------------------------
phase "base image (debootstrap, cached)"
# shellcheck disable=SC1091
suite="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
[ -n "$suite" ] || fail "cannot tell the host's Debian release from /etc/os-release"
mirror="${ZGW_DEBIAN_MIRROR:-$(debian_mirror)}"
mirror="${mirror:-http://deb.debian.org/debian}"
# The base holds the same Debian release as the host, whose glibc the binary was linked against.
recipe="suite=$suite variant=minbase include=ca-certificates mirror=$mirror trim=1 debootstrap=$(dpkg-query -W -f '${Version}' debootstrap)"
key="$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
base_image="localhost/zoho-gateway-base:$suite-$key"
tarball="$cache/base-$suite-$key.tar"
mkdir -p "$cache"
echo "recipe: $recipe"
if [ -f "$tarball" ] && [ -z "$(find "$tarball" -mtime +"$max_age_days")" ]; then
  echo "cached: $tarball"
else
  rootfs="$cache/rootfs-$key.tmp"
  remove_rootfs "$rootfs"
  echo "debootstrap $suite from $mirror (about a minute)"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
  # What a runtime image does not need: downloaded packages, package lists, manuals, translations.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*
  tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  remove_rootfs "$rootfs"
  rootfs=""
  rm -f "$cache/base-$suite-$key.id"
fi
if pm image exists "$base_image" &&
  [ "$(pm image inspect --format '{{.Id}}' "$base_image")" = "$(cat "$cache/base-$suite-$key.id" 2>/dev/null)" ]; then
  echo "imported: $base_image"
else
  pm import --quiet "$tarball" "$base_image" >/dev/null
  pm image inspect --format '{{.Id}}' "$base_image" >"$cache/base-$suite-$key.id"
  echo "imported $tarball as $base_image"
fi
# Bases of other recipes are stale.
for old in "$cache"/base-*.tar; do
  [ "$old" = "$tarball" ] || rm -f "$old" "${old%.tar}.id"
done
pm images --format '{{.Repository}}:{{.Tag}}' localhost/zoho-gateway-base | while read -r old; do
  [ "$old" = "$base_image" ] || pm rmi "$old" >/dev/null 2>&1 || true
done

# ---------------------------------------------------------------------------------------------
phase "gateway binary (cargo build --release)"
if [ "${ZGW_SKIP_BUILD:-0}" != 1 ]; then
  cargo build --release --locked --bin zoho-gateway
else
  echo "ZGW_SKIP_BUILD=1: using $bin as it is"
fi
[ -x "$bin" ] || fail "$bin was not built"

# ---------------------------------------------------------------------------------------------
phase "image (podman build, deploy/Containerfile.local)"
mkdir "$work/context"
cp "$bin" "$work/context/zoho-gateway"
old_image="$(pm image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
# --format docker: the OCI image format has no HEALTHCHECK.
pm build --quiet --pull=never --format docker --build-arg "BASE=$base_image" \
  -f "$repo/deploy/Containerfile.local" -t "$image" "$work/context" >/dev/null
new_image="$(pm image inspect --format '{{.Id}}' "$image")"
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then pm rmi "$old_image" >/dev/null 2>&1 || true; fi
echo "built $image (${new_image:0:12})"

# ---------------------------------------------------------------------------------------------
phase "sandbox and database"
cargo build --quiet --locked -p zoho-sandbox --example serve
read -r port_a port_b metrics_a metrics_b port_c < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
redirect_a="http://127.0.0.1:$port_a/redirect.html"
redirect_b="http://127.0.0.1:$port_b/redirect.html"
"$repo/target/debug/examples/serve" --redirect-uri "$redirect_a" --redirect-uri "$redirect_b" --fault-switch \
  >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
for _ in $(seq 1 100); do
  grep -q '^READY$' "$work/sandbox.out" && break
  kill -0 "$sandbox_pid" 2>/dev/null || fail "the sandbox exited at start"
  sleep 0.1
done
grep -q '^READY$' "$work/sandbox.out" || fail "the sandbox did not start within 10 s"
accounts_url="" api_url="" client_id="" client_secret=""
while IFS='=' read -r k v; do
  case "$k" in
    ACCOUNTS_URL) accounts_url="$v" ;;
    API_URL) api_url="$v" ;;
    CLIENT_ID) client_id="$v" ;;
    CLIENT_SECRET) client_secret="$v" ;;
  esac
done <"$work/sandbox.out"
if [ -z "$accounts_url" ] || [ -z "$api_url" ] || [ -z "$client_id" ] || [ -z "$client_secret" ]; then
  fail "the sandbox did not print ACCOUNTS_URL, API_URL, CLIENT_ID and CLIENT_SECRET"
fi
echo "sandbox: accounts $accounts_url, API $api_url"

psql -q -X "$pg_admin" -c "CREATE DATABASE $db" >/dev/null
db_created=1
database_url="${pg_admin%/*}/$db"
echo "database: $database_url"

# ---------------------------------------------------------------------------------------------
phase "two gateway containers (read-only, host network)"
# Secrets go through a file, not the command line (which `ps` shows).
umask 077
cat >"$work/gateway.env" <<EOF
ZOHO_CLIENT_ID=$client_id
ZOHO_CLIENT_SECRET=$client_secret
ZOHO_ACCOUNTS_URL=$accounts_url
ZOHO_ACCOUNTS_SERVERS=$accounts_url
ZOHO_API_DOMAINS=$api_url
ZOHO_REDIRECT_URIS=$redirect_a,$redirect_b
DATABASE_URL=$database_url
DATABASE_POOL_SIZE=5
GATEWAY_TOKEN_KEY=$(head -c 32 /dev/urandom | base64)
GATEWAY_ZOHO_CONCURRENCY=5
EOF
umask 022
# Podman runs HEALTHCHECKs on a timer through systemd, which our machines do not run: it says so
# on every start (and podman 4.3 ignores --health-interval=disable); that line is dropped here, and
# the check is run once by hand below (`podman healthcheck run`).
start_gateway() { # NAME PORT METRICS_PORT
  pm run -d --name "$1" --network=host --read-only \
    --env-file "$work/gateway.env" --env "GATEWAY_BIND=127.0.0.1:$2" --env "GATEWAY_METRICS_BIND=127.0.0.1:$3" \
    "$image" >/dev/null 2>"$work/run-$1.err" || { cat "$work/run-$1.err" >&2; fail "podman run $1 failed"; }
  grep -v 'unable to get systemd connection' "$work/run-$1.err" >&2 || true
}
wait_ready() { # NAME PORT
  local _
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$2/readyz" 2>/dev/null && return 0
    [ "$(pm inspect --format '{{.State.Status}}' "$1")" = running ] || fail "container $1 stopped at start"
    sleep 0.25
  done
  fail "container $1 was not ready within 30 s"
}
start_gateway "$name_a" "$port_a" "$metrics_a"
start_gateway "$name_b" "$port_b" "$metrics_b"
wait_ready "$name_a" "$port_a"
wait_ready "$name_b" "$port_b"
echo "A: http://127.0.0.1:$port_a  B: http://127.0.0.1:$port_b"

# ---------------------------------------------------------------------------------------------
phase "sign in through A, read through B"
cookie="$(python3 "$here/client.py" signin --gateway "http://127.0.0.1:$port_a" --redirect "$redirect_a" --user admin)"
ok "signed in through A as the sandbox's admin"
python3 "$here/client.py" leads --gateway "http://127.0.0.1:$port_b" --cookie "$cookie" --page 1 --per-page 3
ok "B serves A's session (shared through PostgreSQL) with real leads"
python3 "$here/client.py" anonymous --gateway "http://127.0.0.1:$port_b"
ok "B refuses the same query without the cookie"

# ---------------------------------------------------------------------------------------------
phase "image and container checks"
image_config="$(pm image inspect --format '{{.Config.User}}|{{json .Config.Entrypoint}}|{{json .Config.Env}}' "$image")"
IFS='|' read -r image_user image_entrypoint image_env <<<"$image_config"
[ "$image_user" = "65532:65532" ] || fail "the image's USER is '$image_user', not 65532:65532"
[ "$image_entrypoint" = '["/usr/local/bin/zoho-gateway"]' ] || fail "the image's ENTRYPOINT is $image_entrypoint"
case "$image_env" in *'"GATEWAY_BIND=0.0.0.0:8085"'*) ;; *) fail "the image does not set GATEWAY_BIND=0.0.0.0:8085: $image_env" ;; esac
case "$image_env" in *'"GATEWAY_LOG_FORMAT=json"'*) ;; *) fail "the image does not set GATEWAY_LOG_FORMAT=json: $image_env" ;; esac
case "$image_env" in *GATEWAY_PORTAL_DIR*) fail "the image sets GATEWAY_PORTAL_DIR: $image_env" ;; esac
healthcheck="$(pm image inspect --format '{{json .HealthCheck}}' "$image")"
case "$healthcheck" in *'"/usr/local/bin/zoho-gateway","healthcheck"'*) ;; *) fail "the image has no HEALTHCHECK running 'zoho-gateway healthcheck': $healthcheck" ;; esac
ok "image: USER 65532:65532, ENTRYPOINT the binary, GATEWAY_BIND and GATEWAY_LOG_FORMAT set, no GATEWAY_PORTAL_DIR, HEALTHCHECK"

# The kernel's view of the running process (from the host), not only the configuration.
pid="$(pm inspect --format '{{.State.Pid}}' "$name_a")"
uids="$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")"
gids="$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")"
if [ "$uids" != "65532 65532 65532 65532" ] || [ "$gids" != "65532 65532 65532 65532" ]; then
  fail "the gateway process runs with uids '$uids' and gids '$gids', not 65532"
fi
pm top "$name_a" user group comm
ok "the gateway process runs as 65532:65532 (real, effective, saved, fs), not root"

[ "$(pm inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$name_a")" = true ] || fail "the container's root filesystem is not read-only"
# As root inside the container, so that only the read-only mount can refuse the write.
if out="$(pm exec --user 0 "$name_a" touch /probe /usr/local/bin/zoho-gateway 2>&1)"; then
  fail "root could write to the container's root filesystem"
fi
case "$out" in *"Read-only file system"*) ;; *) fail "the write failed for another reason than a read-only filesystem: $out" ;; esac
ok "the root filesystem is read-only (even root's write fails: ${out%%$'\n'*})"

portal="$(curl -fsS --max-time 5 "http://127.0.0.1:$port_a/")" || fail "GET / (the embedded portal) did not answer 200"
grep -qi '<html' <<<"$portal" || fail "GET / did not answer an HTML page"
curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port_a/playground" || fail "GET /playground (GraphiQL) did not answer 200"
ok "the portal (/) and GraphiQL (/playground) are served from the binary (no portal files in the image)"

if "$bin" --help 2>/dev/null | grep -q GATEWAY_METRICS_BIND; then
  metrics="$(curl -fsS --max-time 5 "http://127.0.0.1:$metrics_a/metrics")" || fail "no /metrics on GATEWAY_METRICS_BIND (127.0.0.1:$metrics_a)"
  grep -q '^gateway_' <<<"$metrics" || fail "the metrics listener's /metrics has no gateway_ series"
  public="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port_a/metrics")"
  [ "$public" != 200 ] || fail "/metrics is still served on the public port"
  ok "metrics on GATEWAY_METRICS_BIND (127.0.0.1:$metrics_a), not on the public port (it answers $public)"
else
  skipped "metrics listener: this binary has no GATEWAY_METRICS_BIND setting yet"
fi

if "$bin" healthcheck --help >/dev/null 2>&1; then
  pm healthcheck run "$name_a" || fail "podman healthcheck run $name_a: unhealthy"
  [ "$(pm inspect --format '{{.State.Health.Status}}' "$name_a")" = healthy ] || fail "$name_a is not reported healthy"
  ok "HEALTHCHECK (zoho-gateway healthcheck) reports $name_a healthy"
else
  skipped "HEALTHCHECK run: this binary has no 'healthcheck' subcommand yet (the image declares it)"
fi

# ---------------------------------------------------------------------------------------------
phase "SIGTERM to B during a slow request"
latency_ms=4000
curl -fsS --max-time 5 -X POST "$accounts_url/sandbox/faults" -d "{\"latency_ms\": $latency_ms}" >/dev/null
# Page 2: not in B's cache yet, so the request waits for the slowed sandbox.
python3 "$here/client.py" leads --gateway "http://127.0.0.1:$port_b" --cookie "$cookie" --page 2 --per-page 3 \
  --record "$work/slow.times" >"$work/slow.out" 2>&1 &
slow_pid=$!
sleep 1.5
kill -0 "$slow_pid" 2>/dev/null || { cat "$work/slow.out"; fail "the slow request finished before SIGTERM; the latency fault did not apply"; }
term_at="$(date +%s.%N)"
pm kill --signal TERM "$name_b" >/dev/null
echo "SIGTERM sent to $name_b with the request in flight"
slow_status=0
wait "$slow_pid" || slow_status=$?
cat "$work/slow.out"
[ "$slow_status" = 0 ] || fail "the in-flight request did not complete with 200 and leads after SIGTERM"
read -r slow_start slow_end <"$work/slow.times"
awk -v s="$slow_start" -v t="$term_at" -v e="$slow_end" 'BEGIN { exit !(s < t && t < e) }' ||
  fail "SIGTERM ($term_at) was not sent while the request ($slow_start to $slow_end) was in flight"
exit_code="$(timeout 60 podman --runtime runc wait "$name_b")" || fail "$name_b did not exit within 60 s of SIGTERM"
[ "$exit_code" = 0 ] || fail "$name_b exited with $exit_code after SIGTERM, not 0"
curl -fsS --max-time 5 -X DELETE "$accounts_url/sandbox/faults" >/dev/null
ok "the request in flight at SIGTERM completed with 200 and leads; B then exited 0"
python3 "$here/client.py" leads --gateway "http://127.0.0.1:$port_a" --cookie "$cookie" --page 1 --per-page 3 >/dev/null
ok "A still serves the session"

# ---------------------------------------------------------------------------------------------
phase "the image's defaults (bridge network, published port)"
# A and B override GATEWAY_BIND (two gateways on the host's network); this one keeps the image's
# 0.0.0.0:8085 behind a published port, with the built-in sandbox and an in-memory store.
pm run -d --name "$name_c" --read-only -p "127.0.0.1:$port_c:8085" --env DATABASE_URL=memory: "$image" --sandbox \
  >/dev/null 2>"$work/run-c.err" || { cat "$work/run-c.err" >&2; fail "podman run $name_c failed"; }
wait_ready "$name_c" "$port_c"
ok "GATEWAY_BIND=0.0.0.0:8085 from the image answers on the published port"
if "$bin" healthcheck --help >/dev/null 2>&1; then
  pm healthcheck run "$name_c" || fail "podman healthcheck run $name_c (default port 8085): unhealthy"
  ok "HEALTHCHECK with the image's GATEWAY_BIND reports healthy"
else
  skipped "HEALTHCHECK run: this binary has no 'healthcheck' subcommand yet"
fi
pm stop -t 30 "$name_c" >/dev/null 2>&1
exit_code="$(pm inspect --format '{{.State.ExitCode}}' "$name_c")"
[ "$exit_code" = 0 ] || fail "$name_c exited with $exit_code on podman stop (SIGTERM), not 0"
ok "podman stop (SIGTERM) ends it with exit code 0"
