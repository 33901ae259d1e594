#!/usr/bin/env bash
# Point queries against the full computation, on the peer benchmark's graphs:
#   benches/point_queries.sh          3 timed runs each (after a warm-up)
#   benches/point_queries.sh -n 5
# For the chain (3,000 nodes) and the random graph (1,500 nodes) it times
#   full:  path/2 computed in full and counted (the tc workload), and
#   point: `?- path(S, X).` for one start node S, which `wirelog run`
#          answers from demand (magic sets): only path(S, _) is computed.
# Prints median wall seconds, peak MiB and the answer count of each.
# Builds wirelog in release mode; generates the graphs with the shared
# harness if $BENCH_WORK (default target/bench-work) does not hold them yet.
set -euo pipefail
project=$(cd "$(dirname "$0")/.." && pwd)
bench="${WIRELOG_BENCH_DIR:-$project/../shared/bench}"
export BENCH_WORK="${BENCH_WORK:-$project/target/bench-work}"
runs=3
if [ "${1:-}" = "-n" ]; then runs=$2; fi
cargo build --release --quiet --manifest-path "$project/Cargo.toml"
wirelog="$project/target/release/wirelog"
data="$BENCH_WORK/data"
if [ ! -f "$data/tc_chain/facts.dl" ] || [ ! -f "$data/tc_rand/facts.dl" ]; then
    python3 "$bench/gen.py" --out "$data" tc_chain tc_rand >/dev/null
fi
work="$BENCH_WORK/point"
mkdir -p "$work"
rules='path(X, Y) :- edge(X, Y).
path(X, Z) :- path(X, Y), edge(Y, Z).'
printf '%s\nanswers(N) :- N = count : { path(X, Y) }.\n?- answers(N).\n' "$rules" > "$work/full.dl"
printf '%s\n?- path(2990, X).\n' "$rules" > "$work/chain-point.dl"
printf '%s\n?- path(17, X).\n' "$rules" > "$work/rand-point.dl"
time_one() { # label program data
    local line
    line=$(python3 "$bench/runners/timeit.py" -n "$runs" -w 1 -t 300 -- \
        "$wirelog" run --format csv "$2" "$data/$3/facts.dl")
    python3 - "$1" "$line" <<'EOF'
import json, sys
label, result = sys.argv[1], json.loads(sys.argv[2])
print(f"{label:<34} {result['median_s']:>8.3f} s {result['peak_rss_kib'] / 1024:>8.1f} MiB   last number printed: {result['count']}")
EOF
}
echo "query                              median        peak"
time_one "chain: path/2 in full, counted" "$work/full.dl" tc_chain
time_one "chain: ?- path(2990, X)." "$work/chain-point.dl" tc_chain
time_one "random: path/2 in full, counted" "$work/full.dl" tc_rand
time_one "random: ?- path(17, X)." "$work/rand-point.dl" tc_rand
