#!/usr/bin/env bash
# Latency of the web server's track search (GET /api/tracks?q=…&limit=20) on the library that
# bench/serve-load.sh builds (10,000 tagged songs): 300 searches for three needles over one keep-alive
# connection, one at a time; prints the median and 90th percentile of curl's time_total.
# Usage: bench/serve-search.sh [BUILD_DIR] [DB]
set -euo pipefail
build=${1:-build}
db=${2:-/var/tmp/soundalike/serve-load/lib-100-__features_mfcc_.db}
[ -f "$db" ] || { echo "serve-search: no library at $db; run bench/serve-load.sh first" >&2; exit 2; }
work=$(mktemp -d)
"$build/soundalike" serve --db "$db" --port 0 --features mfcc >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 300); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$work/serve.out")
curl -s -o /dev/null "http://127.0.0.1:$port/api/tracks?q=warmup"
args=()
for _ in $(seq 100); do
  for q in velvet neon x; do args+=(-o /dev/null "http://127.0.0.1:$port/api/tracks?q=$q&limit=20"); done
done
curl -s -w "%{time_total}\n" "${args[@]}" | sort -n |
  awk '{t[NR] = $1 * 1000} END {printf "searches=%d median=%.2fms p90=%.2fms\n", NR, t[int(NR / 2)], t[int(NR * 0.9)]}'
