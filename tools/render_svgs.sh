#!/usr/bin/env bash
# Renders an experiment's SVG figures and a screenshot of its report.html to PNG with headless Chromium
# (Debian package `chromium`), so they can be looked at without a browser and shown in docs/results.md.
# Usage: tools/render_svgs.sh EXPERIMENT_DIR [PNG_DIR]   (PNG_DIR defaults to docs/img)
set -euo pipefail
src=${1:?usage: tools/render_svgs.sh EXPERIMENT_DIR [PNG_DIR]}
dst=${2:-docs/img}
command -v chromium >/dev/null || { echo "chromium not found: apt-get install -y chromium" >&2; exit 2; }
mkdir -p "$dst"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

shot() { # file width height png
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size="$2,$3" --screenshot="$4" "file://$(realpath "$1")" >/dev/null 2>&1
}

for svg in "$src"/figures/*.svg; do
  # The window must match the SVG's own size, read from its root element.
  read -r w h < <(sed -n '1s/.*width="\([0-9.]*\)" height="\([0-9.]*\)".*/\1 \2/p' "$svg")
  out="$dst/$(basename "${svg%.svg}").png"
  shot "$svg" "${w%.*}" "${h%.*}" "$out"
  echo "$out"
done
shot "$src/report.html" 1280 2400 "$dst/report.png"
echo "$dst/report.png"
