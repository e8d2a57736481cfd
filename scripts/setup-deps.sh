#!/usr/bin/env bash
# Installs every Debian package that soundalike's build, tests and demo need.
# Idempotent: when everything is present it returns in well under a second.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # audio front end
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev ffmpeg libfftw3-dev
  # model, index, storage
  libtorch-dev libfaiss-dev libsqlite3-dev libeigen3-dev
  # app
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev libspdlog-dev libfmt-dev libstb-dev libssl-dev zlib1g-dev
  # descriptors and the generated corpus
  libaubio-dev libfluidsynth-dev timgm6mb-soundfont
  # `soundalike mpd` (libmpdclient) and its test, which runs a real MPD driven by mpc
  libmpdclient-dev mpd mpc
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 python3-numpy
  # browser test of the web UI (driven by playwright-core from npm, see scripts/setup-web-tests.sh)
  chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query is cheap; only fall through to apt when something is absent
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
echo "setup-deps: installing ${missing[*]}" >&2
# A fresh image may carry no package lists, or stale ones.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/soundalike-apt.log 2>&1; then
  $SUDO apt-get update >>/tmp/soundalike-apt.log 2>&1
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/soundalike-apt.log 2>&1 || {
    echo "setup-deps: apt-get install failed; see /tmp/soundalike-apt.log" >&2
    tail -20 /tmp/soundalike-apt.log >&2
    exit 1
  }
fi
