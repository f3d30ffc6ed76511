#!/usr/bin/env bash
# Makes a "music library" for the batch-prediction benchmark: COUNT (default 500) MP3 files of 30 s,
# 44.1 kHz stereo, 192 kb/s, made from the 100 real GTZAN clips of ../shared/datasets/gtzan-mini.
#
#   docs/benchmarks/make_library.sh OUT_DIR [COUNT]
#
# Layout: OUT_DIR/<genre>/<clip>-<j>.mp3, e.g. OUT_DIR/rock/rock.00005-2.mp3. Copy j of a clip is the
# clip looped to fill 30 s, starting j*5 s into the looped signal, so that no two files are alike.
# Files are made copy-major and genre-interleaved (every clip's copy 0 first, the genres taking turns),
# so a small COUNT still covers every genre: COUNT 20 gives clips 00000 and 00001 of each genre.
# Deterministic: the same COUNT gives the same files. If OUT_DIR already holds COUNT MP3 files nothing
# is made, so reruns are quick. Prints one line: the number of files and their total duration.
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [COUNT]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
count=${2:-500}
[[ $count =~ ^[1-9][0-9]*$ ]] || usage

# OUT_DIR is relative to the caller's directory: resolve it before moving to the repository root.
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/../.."
clips_dir=../shared/datasets/gtzan-mini
[[ -d $clips_dir ]] || { echo "$0: $clips_dir not found (run from a checkout beside ../shared)" >&2; exit 1; }

mp3_count() { find "$out" -type f -name '*.mp3' | wc -l; }

# Total duration from the files themselves (not assumed), two ffprobe processes at a time.
summary() {
    local seconds
    seconds=$(find "$out" -type f -name '*.mp3' -print0 | sort -z |
        xargs -0 -r -n 1 -P 2 ffprobe -v error -show_entries format=duration -of csv=p=0 |
        awk '{ s += $1 } END { printf "%.1f", s }')
    awk -v n="$(mp3_count)" -v s="$seconds" -v d="$out" \
        'BEGIN { printf "%d MP3 files, %.1f s of audio (%.2f h) in %s\n", n, s, s / 3600, d }'
}

existing=$(mp3_count)
if (( existing == count )); then
    summary
    exit 0
fi
if (( existing > count )); then
    echo "$0: $out already holds $existing MP3 files, more than $count; use an empty folder" >&2
    exit 1
fi

# Clips ranked within their genre: "rank genre path", then ordered by rank and genre, so that
# consecutive clips cycle through the genres.
mapfile -t clips < <(
    for dir in "$clips_dir"/*/; do
        genre=$(basename "$dir")
        find "$dir" -maxdepth 1 -type f -name '*.wav' | sort | awk -v g="$genre" '{ print NR, g, $0 }'
    done | sort -k1,1n -k2,2 | cut -d' ' -f2-
)
(( ${#clips[@]} > 0 )) || { echo "$0: no WAV clips in $clips_dir" >&2; exit 1; }

# One job per file: offset, clip, output path (NUL-separated: OUT_DIR may hold spaces).
jobs() {
    local i=0 j genre clip name
    for (( j = 0; i < count; j++ )); do
        for entry in "${clips[@]}"; do
            (( i < count )) || break
            genre=${entry%% *}
            clip=${entry#* }
            name=$(basename "$clip" .wav)
            mkdir -p "$out/$genre"
            printf '%s\0%s\0%s\0' "$(( j * 5 ))" "$clip" "$out/$genre/$name-$j.mp3"
            (( ++i ))
        done
    done
}

# -ss after -i cuts the looped stream (not the file), so any offset works, even past a clip's end.
# Each file is written under a temporary name and renamed, so an interrupted run leaves no truncated MP3
# to be counted by the next one.
jobs | xargs -0 -n 3 -P 2 bash -c '
    ffmpeg -nostdin -loglevel error -y -stream_loop -1 -i "$2" -ss "$1" -t 30 \
        -ar 44100 -ac 2 -b:a 192k -f mp3 "$3.part" && mv "$3.part" "$3"' _

summary
