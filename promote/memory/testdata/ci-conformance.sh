#!/usr/bin/env bash
# Runs the OCI distribution-spec conformance suite against promote/memory's
# HTTP handler, with every workflow on (pull, push, content discovery,
# content management), and fails when any check fails.
#
# The suite is the Go module github.com/opencontainers/distribution-spec/
# conformance at a pinned version, fetched through the Go module proxy and
# built with `go install`. The binary is cached under
# ${IMAGETAGS_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/imagetags-ci} and
# reused only when `go version -m` shows it was built from the pinned
# version; $CONFORMANCE_BIN overrides it. The registry under test is
# examples/registry, an empty in-memory registry on a free 127.0.0.1 port.
#
# Call it from the module root: bash promote/memory/testdata/ci-conformance.sh
# The suite's reports (results.yaml, junit.xml, report.html) are kept in
# $CONFORMANCE_RESULTS when that is set.
set -euo pipefail

CONFORMANCE_MODULE=github.com/opencontainers/distribution-spec/conformance
CONFORMANCE_VERSION=v0.0.0-20260831232431-97274622c111
workdir=$(mktemp -d "${TMPDIR:-/tmp}/imagetags-conformance.XXXXXX")
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

# built_from_pin reports whether binary $1 was built from the pinned module.
built_from_pin() {
  go version -m "$1" 2>/dev/null | awk -v m="$CONFORMANCE_MODULE" -v v="$CONFORMANCE_VERSION" \
    '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'
}

bin=${CONFORMANCE_BIN:-}
if [ -z "$bin" ]; then
  cache=${IMAGETAGS_CI_CACHE:-${XDG_CACHE_HOME:-${HOME:-$workdir}/.cache}/imagetags-ci}
  bin="$cache/oci-conformance-$CONFORMANCE_VERSION"
  if [ -x "$bin" ] && built_from_pin "$bin"; then
    echo "using cached $bin"
  else
    echo "installing $CONFORMANCE_MODULE@$CONFORMANCE_VERSION"
    GOBIN="$workdir/gobin" go install "$CONFORMANCE_MODULE@$CONFORMANCE_VERSION"
    mkdir -p "$cache"
    # Move into place atomically, so a concurrent run never sees half a file.
    cp "$workdir/gobin/conformance" "$bin.tmp.$$"
    mv -f "$bin.tmp.$$" "$bin"
  fi
fi
if ! built_from_pin "$bin"; then
  echo "$bin was not built from $CONFORMANCE_MODULE@$CONFORMANCE_VERSION:" >&2
  go version -m "$bin" >&2 || true
  exit 1
fi

go build -o "$workdir/registry" ./examples/registry
"$workdir/registry" --addr 127.0.0.1:0 --addr-file "$workdir/addr" >"$workdir/server.log" 2>&1 &
server_pid=$!

# Wait for the server to write its address, at most 10 seconds.
for _ in $(seq 1 100); do
  if [ -s "$workdir/addr" ] || ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if [ ! -s "$workdir/addr" ]; then
  echo "the in-memory registry did not start; its log:" >&2
  cat "$workdir/server.log" >&2
  exit 1
fi
addr=$(cat "$workdir/addr")
echo "in-memory registry listening on $addr"

# Every workflow on, spec 1.1 profile; the defaults of everything else.
mkdir -p "$workdir/run"
status=0
(
  cd "$workdir/run"
  OCI_REGISTRY="$addr" OCI_TLS=disabled OCI_VERSION=1.1 \
  OCI_REPO1=conformance/repo1 OCI_REPO2=conformance/repo2 \
  OCI_API_PULL=true OCI_API_PUSH=true OCI_API_REFERRER=true \
  OCI_API_TAGS_LIST=true OCI_API_TAGS_DELETE=true \
  OCI_API_MANIFESTS_DELETE=true OCI_API_BLOBS_DELETE=true \
  OCI_RESULTS_DIR="$workdir/run/results" OCI_LOG=warn \
  "$bin" >"$workdir/run/summary.txt" 2>"$workdir/run/log.txt"
) || status=$?

if [ -n "${CONFORMANCE_RESULTS:-}" ]; then
  mkdir -p "$CONFORMANCE_RESULTS"
  cp -r "$workdir/run/." "$CONFORMANCE_RESULTS/"
fi

junit="$workdir/run/results/junit.xml"
if [ ! -s "$junit" ]; then
  echo "the conformance suite wrote no report (exit status $status); its output:" >&2
  cat "$workdir/run/summary.txt" "$workdir/run/log.txt" >&2
  exit 1
fi
# attr NAME reads one attribute of the report's <testsuite> element.
attr() {
  sed -n 's/.*<testsuite [^>]*[[:space:]]'"$1"'="\([0-9]*\)".*/\1/p' "$junit" | head -n 1
}
tests=$(attr tests) failures=$(attr failures) errors=$(attr errors) skipped=$(attr skipped)
echo "OCI conformance ($CONFORMANCE_VERSION, spec 1.1, all workflows): ${tests:-?} checks, ${failures:-?} failing, ${errors:-?} errors, ${skipped:-0} skipped"
if [ "$status" -ne 0 ] || [ -z "$tests" ] || [ "$tests" -eq 0 ] || [ "${failures:-1}" -ne 0 ] || [ "${errors:-1}" -ne 0 ]; then
  echo "conformance failed (suite exit status $status); failing checks:" >&2
  grep -E 'FAIL|^ +- ' "$workdir/run/summary.txt" >&2 || true
  exit 1
fi
