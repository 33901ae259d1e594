#!/usr/bin/env bash
# Runs the shared peer benchmark with wirelog included, in one command:
#   benches/run.sh                 every workload, 3 timed runs each
#   benches/run.sh -n 5 tc_rand    arguments go to ../shared/bench/run.sh
# Builds wirelog in release mode, installs the peers if missing (clingo via pip,
# SWI-Prolog via apt, the Rust peers via cargo), and keeps generated inputs in
# $BENCH_WORK (default: target/bench-work).
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
bench="${WIRELOG_BENCH_DIR:-$project/../shared/bench}"
export BENCH_WORK="${BENCH_WORK:-$project/target/bench-work}"
mkdir -p "$BENCH_WORK"
cargo build --release --quiet --manifest-path "$project/Cargo.toml"
export WIRELOG="$project/target/release/wirelog"
if ! command -v swipl >/dev/null || ! python3 -c "import clingo" 2>/dev/null \
    || [ ! -x "$BENCH_WORK/rust-peers-target/release/datafrog" ]; then
    "$bench/install-peers.sh"
fi
if [ "$#" -eq 0 ]; then set -- all; fi
exec "$bench/run.sh" "$@"
