#!/usr/bin/env bash
# Screenshots an evaluation report in headless Chromium (Debian's `chromium` package), to look at what a browser
# draws: the heatmap's diagonal outlines, the training curves' legends and kept-epoch mark, the reliability
# diagrams, the skipped-files list. The report is of a deliberately weak model (4 epochs on gtzan-mini, so the
# matrix has errors and light diagonal cells) on a copy of gtzan-mini (links) with one file that is not audio.
#
#   docs/screenshots/report.sh OUT_DIR      (from a checkout beside ../shared, after swift build -c release)
#
# Writes OUT_DIR/report.html and OUT_DIR/report.png (1280 px wide, the whole page).
set -euo pipefail
[[ $# -eq 1 ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.."
genre=$PWD/.build/release/genre
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
mkdir "$data"
for folder in ../shared/datasets/gtzan-mini/*/; do
    mkdir "$data/$(basename "$folder")"
    ln -s "$(cd "$folder" && pwd)"/* "$data/$(basename "$folder")/"
done
echo "not audio" > "$data/pop/broken.wav"
"$genre" train "$data" --epochs 4 --model "$work/weak.safetensors" -q > /dev/null
"$genre" evaluate "$data" --model "$work/weak.safetensors" --split all --report "$out/report.html" -q > /dev/null
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,4200 \
    --screenshot="$out/report.png" "file://$out/report.html" 2> /dev/null
echo "$out/report.png"
