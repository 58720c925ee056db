#!/usr/bin/env bash
# Runs the conformance suite: starts the simulators from an already built server binary, drives
# the official SDKs against them (pytest in conformance/.venv), stops them. Builds nothing.
#   conformance/run.sh path/to/suanpan [pytest arguments…]
# `make conformance` builds the binary and the venv, then calls this.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:?usage: conformance/run.sh path/to/suanpan [pytest args]}"
shift
python="$here/.venv/bin/python"
[ -x "$binary" ] || { echo "conformance: no server binary at $binary" >&2; exit 2; }
[ -x "$python" ] || { echo "conformance: no venv at $here/.venv (make conformance creates it)" >&2; exit 2; }

work="$(mktemp -d)"
ports="$work/ports.json"
"$binary" simulators --ports-file "$ports" >"$work/simulators.log" 2>&1 &
sim_pid=$!
cleanup() {
  kill "$sim_pid" 2>/dev/null || true
  wait "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The binary writes the file once every simulator listens (written whole, then renamed).
for _ in $(seq 1 300); do
  [ -s "$ports" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "conformance: the simulators exited early:" >&2
    cat "$work/simulators.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -s "$ports" ] || { echo "conformance: no ports file after 30 s" >&2; cat "$work/simulators.log" >&2; exit 1; }

cd "$here"
SUANPAN_SIM_PORTS="$ports" "$python" -m pytest -q -p no:cacheprovider tests "$@"
