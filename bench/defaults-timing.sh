#!/usr/bin/env bash
# Median time of a first (uncached) render of each generated default at 80 and 512 px,
# measured through a release server on the embedded default in a fresh data directory.
#   bench/defaults-timing.sh [samples per default and size, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-15}
swift build -c release --product avatars >&2
data=$(mktemp -d)
port=18099
AVATARS_HTTP_PORT=$port AVATARS_STORAGE_PATH="$data/originals" AVATARS_METADATA_PATH="$data/metadata" \
  AVATARS_CACHE_PATH="$data/cache" .build/release/avatars serve > "$data/server.log" 2>&1 &
server=$!
trap 'kill $server; rm -rf "$data"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "| default | median ms at 80 px | median ms at 512 px |"
echo "|---|---|---|"
for keyword in mp identicon monsterid wavatar robohash retro blank initials color; do
  row="| $keyword |"
  for size in 80 512; do
    times=()
    for sample in $(seq 1 "$samples"); do
      # A hash no request used before: every sample is a render, not a cache hit.
      hash=$(printf '%s-%s-%s' "$keyword" "$size" "$sample" | md5sum | cut -d' ' -f1)
      times+=("$(curl -s -o /dev/null -w '%{time_total}' \
        "http://127.0.0.1:$port/avatar/$hash?s=$size&d=$keyword&name=Ada%20Lovelace")")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}')
    row="$row $median |"
  done
  echo "$row"
done
