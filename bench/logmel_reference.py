#!/usr/bin/python3
"""Side by side: soundalike's C++ log-mel against an independent numpy implementation of the same
definition (librosa's defaults: n_fft 2048, hop 512, periodic Hann, centred reflect-padded frames,
128 Slaney mel bands with Slaney area normalisation, power_to_db(ref=max, amin=1e-10, top_db=80)).

Checks that both agree (max abs difference < 0.01 dB) and prints the speed ratio.
Usage: /usr/bin/python3 bench/logmel_reference.py BUILD_DIR [--seconds 30] [--check-only]
Needs Debian's python3-numpy (installed by scripts/setup-deps.sh). Exit status 1 if they disagree.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SR, N_FFT, HOP, N_MELS, AMIN, TOP_DB = 22050, 2048, 512, 128, 1e-10, 80.0


def hz_to_mel(hz):
    hz = np.asanyarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = hz / f_sp
    log_region = hz >= 1000.0
    return np.where(log_region, 15.0 + np.log(np.maximum(hz, 1e-12) / 1000.0) / (np.log(6.4) / 27.0), mel)


def mel_to_hz(mel):
    mel = np.asanyarray(mel, dtype=np.float64)
    f_sp = 200.0 / 3
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), f_sp * mel)


def mel_filterbank():
    fft_hz = np.linspace(0, SR / 2, 1 + N_FFT // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), N_MELS + 2))
    lower = (fft_hz[None, :] - edges[:-2, None]) / (edges[1:-1] - edges[:-2])[:, None]
    upper = (edges[2:, None] - fft_hz[None, :]) / (edges[2:] - edges[1:-1])[:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


FB = mel_filterbank()
WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)


def logmel(x):
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    n_frames = 1 + len(x) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    power = np.abs(np.fft.rfft(frames * WINDOW, axis=1)) ** 2
    mel = FB @ power.T
    db = 10 * np.log10(np.maximum(AMIN, mel)) - 10 * np.log10(max(AMIN, mel.max()))
    return np.maximum(db, db.max() - TOP_DB)


def test_signal(seconds):
    rng = np.random.default_rng(11)
    t = np.arange(int(seconds * SR)) / SR
    chord = sum(0.2 * np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6, 880.0))
    bursts = rng.normal(0, 0.1, t.size) * (np.sin(2 * np.pi * 2.0 * t) > 0.7)
    return (chord + bursts).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--check-only", action="store_true", help="agreement only, few repeats (for the test suite)")
    args = ap.parse_args()
    tool = os.path.join(args.build_dir, "bench", "logmel_tool")
    x = test_signal(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "x.f32"), os.path.join(tmp, "y.f32")
        x.tofile(src)
        repeats = 2 if args.check_only else 50
        out = subprocess.run([tool, src, dst, str(repeats)], check=True, capture_output=True, text=True).stdout.split()
        n_mels, n_frames, cpp_ms = int(out[0]), int(out[1]), float(out[2])
        ours = np.fromfile(dst, dtype=np.float32).reshape(n_mels, n_frames)
    ref = logmel(x)
    runs = 1 if args.check_only else 5
    t0 = time.perf_counter()
    for _ in range(runs):
        logmel(x)
    py_ms = (time.perf_counter() - t0) * 1000 / runs
    diff = float(np.abs(ours - ref).max())
    print(f"shape {ours.shape} vs {ref.shape}; max |C++ - numpy| = {diff:.5f} dB")
    print(f"log-mel of {args.seconds:g} s: C++ {cpp_ms:.2f} ms, numpy {py_ms:.1f} ms, C++ is {py_ms / cpp_ms:.1f}x faster")
    if ours.shape != ref.shape or diff >= 0.01:
        print("FAIL: the implementations disagree", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
