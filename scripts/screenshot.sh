#!/usr/bin/env bash
# Renders an HTML file in headless Chromium and writes a PNG screenshot, to check a report renders:
#   scripts/screenshot.sh out/report.html out/report.png [WIDTHxHEIGHT]
# Installs Debian's chromium when it is missing.
set -euo pipefail
html="$(realpath "$1")"; png="$2"; size="${3:-1280x1600}"
if ! command -v chromium >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
fi
profile="$(mktemp -d)"; trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="${size/x/,}" --screenshot="$(realpath -m "$png")" "file://$html" 2>/dev/null
test -s "$png" && echo "screenshot: $png"
