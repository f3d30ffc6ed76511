#!/usr/bin/env bash
# Measures every speed and memory figure of the README's "Speed" section in one session, genre and its
# peers (PyTorch, librosa) interleaved, and writes the raw outputs to docs/benchmarks/<date>/.
#
#   docs/benchmarks/run.sh PEERS_VENV
#
# PEERS_VENV: a Python virtual environment with the peers' packages, made as ../shared/tools/README.md
# says (python3 -m venv "$VENV" && "$VENV/bin/pip" install numpy scipy soundfile librosa safetensors torch).
# Run from the repository root with ../shared beside it, after `swift build -c release`, on an otherwise
# idle machine (the machine is noted in machine.txt). Takes about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${1:?usage: docs/benchmarks/run.sh PEERS_VENV}
py="$venv/bin/python3"
genre=${GENRE:-.build/release/genre}
tools=../shared/tools
out=docs/benchmarks/$(date -u +%Y-%m-%d)
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

{ date -u +%Y-%m-%dT%H:%M:%SZ; uname -srm; grep -m1 'model name' /proc/cpuinfo; nproc; grep MemTotal /proc/meminfo
  grep -m1 'cpu family' /proc/cpuinfo; grep -m1 -E '^model\s' /proc/cpuinfo
  grep -o -m1 -w -E 'avx512f|avx2' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
  "$genre" --version; "$py" -c 'import torch, librosa, numpy; print("torch", torch.__version__, "librosa", librosa.__version__, "numpy", numpy.__version__)'
} > "$out/machine.txt"

# 30 s test clips (noise, as genre bench uses): 22050 Hz mono and 44.1 kHz stereo, 16-bit WAV.
"$py" - "$scratch" <<'PY'
import sys, numpy as np, soundfile as sf
g = np.random.default_rng(0)
sf.write(f"{sys.argv[1]}/mono22050.wav", (g.random(30 * 22050) - 0.5).astype(np.float32), 22050, subtype="PCM_16")
sf.write(f"{sys.argv[1]}/stereo44100.wav", (g.random((30 * 44100, 2)) - 0.5).astype(np.float32), 44100, subtype="PCM_16")
PY

# Three interleaved rounds: genre's own benchmark, then PyTorch in both memory formats on 1 and 2 threads,
# then librosa's log-mel (warm, in-process) of both clips.
for round in 1 2 3; do
    "$genre" bench --json > "$out/genre-bench-$round.json"
    for threads in 1 2; do
        for format in "" --channels-last; do
            name=torch-T$threads${format:+-channels-last}-$round.json
            /usr/bin/time -f '{"peak_rss_kib": %M}' -o "$out/${name%.json}.time" \
                "$py" $tools/torch_cnn.py bench -B 32 -T $threads --warmup 5 --iters 30 $format --json > "$out/$name"
        done
    done
    for clip in mono22050 stereo44100; do
        /usr/bin/time -f '{"peak_rss_kib": %M}' -o "$out/librosa-$clip-$round.time" \
            "$py" $tools/mel_ref.py "$scratch/$clip.wav" -o "$scratch/$clip.npy" --repeat 20 --json > "$out/librosa-$clip-$round.json"
    done
done

# Fresh processes: genre predict with the shipped model, and Python importing librosa for one log-mel.
for clip in mono22050 stereo44100; do
    for i in $(seq 10); do
        /usr/bin/time -f '%e %M' -a -o "$out/predict-$clip.time" "$genre" predict "$scratch/$clip.wav" > /dev/null
    done
done
for i in 1 2 3; do
    /usr/bin/time -f '%e %M' -a -o "$out/python-librosa-process.time" \
        "$py" $tools/mel_ref.py "$scratch/mono22050.wav" -o "$scratch/p.npy" --quiet > /dev/null
done

# A real training run of the default recipe on gtzan-510, features not cached (wall time and peak memory).
"$genre" bench --runs 1 --train ../shared/datasets/gtzan-510 --json > "$out/genre-bench-train-gtzan-510.json"
echo "written to $out"
