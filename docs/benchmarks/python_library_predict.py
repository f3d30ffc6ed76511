#!/usr/bin/env python3
"""The same job as `genre predict` over a music library, done the usual Python way.

Classifies every .mp3/.wav/.flac under DIR (recursive, paths sorted) in one process: librosa.load
(decode, mono, resample to the model's rate), the model's log-mel features in numpy, the default
network in PyTorch (eval mode, the model file's weights). A clip's probabilities are the mean over its
segments of softmax(logits), as genre's. Prints the wall time and where it went.

    python_library_predict.py DIR --model MODEL [--json] [--limit N] [--predictions OUT.jsonl] [--threads N]

Needs ../shared/tools (beside the repository) for the network definition and the model reader, and a
virtual environment with numpy, scipy, soundfile, librosa, safetensors and torch
(../shared/tools/README.md). Not part of the product: a peer for the benchmarks.
"""
import argparse
import json
import os
import pathlib
import sys
import time
import warnings

AUDIO_SUFFIXES = {".mp3", ".wav", ".flac"}
REPO = pathlib.Path(__file__).resolve().parents[2]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", metavar="DIR", help="folder searched recursively for .mp3, .wav and .flac files")
    ap.add_argument("--model", required=True, help="genre model file (safetensors)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--limit", type=int, help="classify only the first N files (sorted order)")
    ap.add_argument("--predictions", metavar="OUT.jsonl", help="write each file's ranking, one JSON line per file")
    ap.add_argument("--threads", type=int, default=1, help="PyTorch and BLAS threads (default 1)")
    return ap.parse_args()


# Parsed before the heavy imports: BLAS reads its thread count when numpy loads, and the mel product
# would otherwise use every core while PyTorch is held to --threads. An explicit environment wins.
ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(max(1, ARGS.threads)))

STARTED = time.perf_counter()
import librosa  # noqa: E402
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(REPO.parent / "shared" / "tools"))
from make_default_reference import DefaultNet, read_model  # noqa: E402


class Features:
    """The model's log-mel segments, following its metadata rather than make_default_reference.segments(),
    which predates level normalisation and DC removal (models of format_version 3 use both)."""

    def __init__(self, meta):
        self.sr = int(meta["feature.sample_rate"])
        self.n_fft = int(meta["feature.n_fft"])
        self.hop = int(meta["feature.hop_length"])
        self.frames_per_segment = int(meta["segment.frames"])
        self.min_last_frames = int(meta["segment.min_last_frames"])
        self.mean = float(meta["normalization.mean"])
        self.std = float(meta["normalization.std"])
        self.dc_removal = meta.get("feature.dc_removal", "none") != "none"
        self.level = meta.get("feature.level_normalization", "none")
        if self.level not in ("none", "peak"):
            # EBU R128 loudness needs a BS.1770 meter (pyloudnorm); not wanted for this benchmark.
            raise SystemExit(f"level normalisation {self.level!r} is not implemented here (only peak, none)")
        self.max_gain_db = float(meta.get("feature.level_max_gain_db", 0))
        # With level normalisation the floor sits far below -100 dB until the gain is added, so that a quiet
        # clip lifted by the gain keeps its detail; without it, librosa's own amin.
        self.amin = np.float32(1e-30 if self.level != "none" else 1e-10)
        self.floor_db = np.float32(-100)
        for key, expected in (("feature.window", "hann (periodic)"), ("feature.power", "2"),
                              ("feature.mel_scale", "slaney"), ("feature.mel_norm", "slaney")):
            if meta.get(key, expected) != expected:
                raise SystemExit(f"model has {key} = {meta[key]!r}; this script assumes {expected!r}")
        if not meta.get("feature.center", "true").startswith("true"):
            raise SystemExit("model has feature.center false; this script assumes centred frames")
        f_max = meta.get("feature.f_max")
        self.window = scipy.signal.get_window("hann", self.n_fft, fftbins=True).astype(np.float32)
        self.mel_basis = librosa.filters.mel(sr=self.sr, n_fft=self.n_fft, n_mels=int(meta["feature.n_mels"]),
                                             fmin=float(meta.get("feature.f_min", 0)),
                                             fmax=float(f_max) if f_max else None,
                                             htk=False, norm="slaney", dtype=np.float32)

    def segment_count(self, samples):
        """Full segments plus a trailing partial one of at least min_last_frames frames; at least one."""
        frames = 1 + samples // self.hop
        full, rest = divmod(frames, self.frames_per_segment)
        return max(1, full + (1 if rest >= self.min_last_frames else 0))

    def __call__(self, y):
        """Standardised segments [count, 1, n_mels, frames_per_segment] of mono float32 audio y at self.sr."""
        count = self.segment_count(len(y))
        frames = count * self.frames_per_segment
        # center=True is n_fft/2 zeros on both sides; the end is zero-padded further so that a partial last
        # segment (or a clip shorter than one segment) is completed with real frames of the padded signal,
        # which read -100 dB where they hold nothing but padding.
        half = self.n_fft // 2
        padded = np.zeros(max(len(y) + 2 * half, (frames - 1) * self.hop + self.n_fft), dtype=np.float32)
        padded[half:half + len(y)] = y
        x = librosa.util.frame(padded, frame_length=self.n_fft, hop_length=self.hop, axis=0)[:frames]
        if self.dc_removal:
            # Kaldi's remove_dc_offset: each frame's mean, padding zeros included, taken out before the window.
            x = x - x.mean(axis=1, dtype=np.float64, keepdims=True).astype(np.float32)
        spectrum = np.fft.rfft(x * self.window, axis=1)
        power = spectrum.real ** 2 + spectrum.imag ** 2
        mel = (power.astype(np.float32, copy=False) @ self.mel_basis.T).T  # [n_mels, frames]
        db = 10 * np.log10(np.maximum(self.amin, mel))
        if self.level == "peak":
            # The loudest cell of the clip's kept frames to 0 dB (power_to_db ref=np.max), the lift capped.
            gain = min(-float(db.max()), self.max_gain_db)
            db = np.maximum(db + np.float32(gain), self.floor_db)
        db = (db - np.float32(self.mean)) / np.float32(self.std)
        segments = db.reshape(db.shape[0], count, self.frames_per_segment).transpose(1, 0, 2)
        return np.ascontiguousarray(segments[:, None], dtype=np.float32)


def load_network(meta, tensors):
    channels = [int(c) for c in meta["architecture.channels"].split(",")]
    classes = json.loads(meta["classes"])
    net = DefaultNet(channels, len(classes))
    missing, unexpected = net.load_state_dict(tensors, strict=False)
    # Old torch files carry num_batches_tracked; genre's do not, and eval mode never reads it.
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"model does not fit the default network: missing {missing}, unexpected {unexpected}")
    return net.eval(), classes


def audio_files(root):
    found = [os.path.join(d, f) for d, _, names in os.walk(root) for f in names
             if os.path.splitext(f)[1].lower() in AUDIO_SUFFIXES]
    return sorted(found)


def load(path, sr):
    """librosa.load, noting whether it fell back from soundfile to audioread (it says so by warning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y, _ = librosa.load(path, sr=sr, mono=True)
    fell_back = any("audioread" in str(w.message) for w in caught)
    return y, "audioread" if fell_back else "soundfile"


def main(a):
    torch.set_num_threads(max(1, a.threads))
    meta, tensors = read_model(a.model)
    features = Features(meta)
    net, classes = load_network(meta, tensors)
    files = audio_files(a.dir)
    if a.limit is not None:
        files = files[:a.limit]
    if not files:
        raise SystemExit(f"no .mp3, .wav or .flac files under {a.dir}")
    startup = time.perf_counter() - STARTED

    seconds = {"load": 0.0, "features": 0.0, "network": 0.0}
    decoders = {}
    audio_seconds = 0.0
    out = open(a.predictions, "w") if a.predictions else None
    began = time.perf_counter()
    for path in files:
        t0 = time.perf_counter()
        y, decoder = load(path, features.sr)
        t1 = time.perf_counter()
        x = torch.from_numpy(features(y))
        t2 = time.perf_counter()
        with torch.inference_mode():
            probabilities = torch.softmax(net(x), dim=1).mean(dim=0)
        t3 = time.perf_counter()
        seconds["load"] += t1 - t0
        seconds["features"] += t2 - t1
        seconds["network"] += t3 - t2
        decoders[decoder] = decoders.get(decoder, 0) + 1
        audio_seconds += len(y) / features.sr
        if out:
            ranking = sorted(zip(classes, probabilities.tolist()), key=lambda e: -e[1])
            out.write(json.dumps({"file": path, "top": [{"genre": g, "probability": p} for g, p in ranking]}) + "\n")
    wall = time.perf_counter() - began
    if out:
        out.close()
    seconds["other"] = max(0.0, wall - sum(seconds.values()))

    report = {
        "files": len(files), "audio_seconds": round(audio_seconds, 3), "wall_seconds": round(wall, 3),
        "files_per_second": round(len(files) / wall, 3), "times_real_time": round(audio_seconds / wall, 2),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
        "startup_seconds": round(startup, 3), "threads": a.threads, "decoders": decoders,
        "model": a.model, "torch": torch.__version__, "librosa": librosa.__version__, "numpy": np.__version__,
    }
    if a.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{len(files)} files, {audio_seconds:.1f} s of audio in {wall:.2f} s wall: {len(files) / wall:.2f} files/s, "
          f"{audio_seconds / wall:.1f}x real time ({a.threads} thread{'s' if a.threads != 1 else ''})")
    for key, label in (("load", "librosa.load (decode + resample)"), ("features", "features (log-mel, numpy)"),
                       ("network", "network (PyTorch, eval)"), ("other", "other")):
        print(f"  {label:34s} {seconds[key]:8.2f} s  {100 * seconds[key] / wall:5.1f} %")
    print(f"start-up (imports, model) {startup:.2f} s, not counted; decoded by "
          + ", ".join(f"{k} ({v})" for k, v in sorted(decoders.items()))
          + f"; torch {torch.__version__}, librosa {librosa.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main(ARGS)
