#!/usr/bin/env bash
# Runs the promote/remote integration tests against a real CNCF
# distribution registry: installs it at a pinned version into a temporary
# GOBIN (or uses $REGISTRY_BIN), starts it on a free loopback port with
# in-memory storage and deletes enabled, waits for /v2/ to answer, runs
# `go test -run Integration` with IMAGETAGS_TEST_REGISTRY pointing at it,
# and stops it however the script ends.
#
# Call it from the module root: bash promote/remote/testdata/ci-registry.sh
# Extra arguments go to `go test` (for example -race).
set -euo pipefail

REGISTRY_VERSION=v3.1.2
workdir=$(mktemp -d "${TMPDIR:-/tmp}/imagetags-registry.XXXXXX")
registry_pid=""

cleanup() {
  if [ -n "$registry_pid" ] && kill -0 "$registry_pid" 2>/dev/null; then
    kill "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

bin=${REGISTRY_BIN:-}
if [ -z "$bin" ]; then
  echo "installing github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
  GOBIN="$workdir/bin" go install "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
  bin="$workdir/bin/registry"
fi
"$bin" --version

# A free port: one that nothing on 127.0.0.1 answers on (20 tries).
port=""
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    port=$candidate
    break
  fi
done
if [ -z "$port" ]; then
  echo "no free port found on 127.0.0.1" >&2
  exit 1
fi

cat >"$workdir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  inmemory: {}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF

"$bin" serve "$workdir/config.yml" >"$workdir/registry.log" 2>&1 &
registry_pid=$!

# ping_registry asks GET /v2/ over bash's /dev/tcp, so no HTTP client
# needs to be installed, and succeeds on a 200 answer.
ping_registry() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 1 status <&3 || exit 1
    case "$status" in "HTTP/1."?" 200"*) exit 0 ;; esac
    exit 1
  ) 2>/dev/null
}

# Wait for the API to answer, at most 10 seconds.
ready=""
for _ in $(seq 1 100); do
  if ! kill -0 "$registry_pid" 2>/dev/null; then
    break
  fi
  if ping_registry "$port"; then
    ready=yes
    break
  fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "the registry did not answer on 127.0.0.1:$port/v2/; its log:" >&2
  cat "$workdir/registry.log" >&2
  exit 1
fi
echo "registry $REGISTRY_VERSION listening on 127.0.0.1:$port"

IMAGETAGS_TEST_REGISTRY="127.0.0.1:$port" \
  go test ./promote/remote/... -run Integration -count=1 -v "$@" | tee "$workdir/test.log"
if grep -q -- '--- SKIP: .*/distribution' "$workdir/test.log"; then
  echo "integration tests skipped the real registry" >&2
  exit 1
fi
