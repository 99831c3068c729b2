#!/usr/bin/env bash
# Fetches the benchmark's photographs and writes them to DIR (default bench/out/photos):
# the largest image of each wallpaper in Debian's plasma-workspace-wallpapers (real
# photographs, not in this repository), capped at 5000 px on the long side ("full"), plus
# libvips resized copies at 2500, 1000 and 500 px, alternately JPEG and PNG. Prints one line per
# file: name, width, height, bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/photos}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
(cd "$work" && apt-get download -q plasma-workspace-wallpapers >/dev/null 2>&1)
dpkg-deb -x "$work"/plasma-workspace-wallpapers_*.deb "$work/x"
index=0
for wallpaper in "$work"/x/usr/share/wallpapers/*/contents/images; do
  largest=$(for image in "$wallpaper"/*; do
    printf '%s %s\n' "$(vipsheader -f width "$image" 2>/dev/null || echo 0)" "$image"
  done | sort -n | tail -1 | cut -d' ' -f2-)
  [ -n "$largest" ] || continue
  index=$((index + 1))
  for long in 5000 2500 1000 500; do
    if [ $(((index + long / 500) % 2)) -eq 0 ]; then ext=jpg; options="[Q=90,strip]"; else ext=png; options="[strip]"; fi
    # The first tier keeps the source's own size when it is under 5000 px.
    tier=$([ "$long" = 5000 ] && echo full || echo "$long")
    name=$(printf 'photo%02d-%s.%s' "$index" "$tier" "$ext")
    # libvips warns about the sources' odd EXIF resolution units; the pixels are what count.
    vips thumbnail "$largest" "$out/$name$options" "$long" --height "$long" --size down 2>/dev/null
  done
done
for file in "$out"/*; do
  printf '%s %s %s %s\n' "$(basename "$file")" "$(vipsheader -f width "$file")" "$(vipsheader -f height "$file")" \
    "$(stat -c %s "$file")"
done
