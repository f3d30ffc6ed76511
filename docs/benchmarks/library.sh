#!/usr/bin/env bash
# Measures the figures of README "Classifying a music library": genre classifying 500 MP3s (30 s, 44.1 kHz
# stereo, 192 kb/s, made from ../shared/datasets/gtzan-mini by make_library.sh) with 1 and 2 threads and
# where one thread's time goes, against the same job in Python (python_library_predict.py: librosa.load +
# the default network in PyTorch, eval mode, the shipped weights, one process). Three interleaved rounds;
# raw outputs in docs/benchmarks/<date>-library/.
#
#   docs/benchmarks/library.sh PEERS_VENV [LIBRARY_DIR]
#
# PEERS_VENV as for run.sh. LIBRARY_DIR (default /tmp/genre-library-500) holds the MP3s; it is made on the
# first run (about a minute on 2 cores) and reused after. Run from anywhere after `swift build -c release`,
# ../shared beside the repository, on an otherwise idle machine. Takes about 8 minutes on 2 cores.
set -euo pipefail
venv=${1:?usage: docs/benchmarks/library.sh PEERS_VENV [LIBRARY_DIR]}
library=${2:-/tmp/genre-library-500}
here=$(cd "$(dirname "$0")" && pwd)
"$here/make_library.sh" "$library" 500
library=$(cd "$library" && pwd)
cd "$here/../.."
py="$venv/bin/python3"
genre=${GENRE:-.build/release/genre}
out=docs/benchmarks/$(date -u +%Y-%m-%d)-library
mkdir -p "$out"

{ date -u +%Y-%m-%dT%H:%M:%SZ; uname -srm; grep -m1 'model name' /proc/cpuinfo; nproc; grep MemTotal /proc/meminfo
  "$genre" --version; "$py" -c 'import torch, librosa, numpy; print("torch", torch.__version__, "librosa", librosa.__version__, "numpy", numpy.__version__)'
  echo "library: $library"; "$here/make_library.sh" "$library" 500
} > "$out/machine.txt"

for round in 1 2 3; do
    /usr/bin/time -f '{"peak_rss_kib": %M}' -o "$out/genre-bench-library-$round.time" \
        "$genre" bench --library "$library" --model models/genre.safetensors --json > "$out/genre-bench-library-$round.json"
    /usr/bin/time -f '{"peak_rss_kib": %M}' -o "$out/python-library-predict-$round.time" \
        "$py" "$here/python_library_predict.py" "$library" --model models/genre.safetensors --threads 1 --json \
        > "$out/python-library-predict-$round.json"
done
# The predict command as a user runs it, both thread counts, its summary line on stderr.
for threads in 1 2; do
    /usr/bin/time -f '%e s wall, %M KiB peak' -o "$out/predict-threads-$threads.time" \
        "$genre" predict "$library" --format jsonl --threads "$threads" --output "$out/predict.jsonl.tmp" 2> "$out/predict-threads-$threads.stderr"
    rm -f "$out/predict.jsonl.tmp"
done
echo "raw outputs in $out"
