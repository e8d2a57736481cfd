#!/usr/bin/env bash
# The project's one test command (README, CI): install dependencies, configure, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SOUNDALIKE_BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}

scripts/setup-deps.sh
# The browser test needs Node packages (npm registry only); CMake registers it only when they are
# present, so they are installed before configuring.
scripts/setup-web-tests.sh
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build "$BUILD" -j "$JOBS"
cd "$BUILD"
set +e
ctest --output-on-failure -j "$JOBS" --timeout 900 2>&1 | tee ctest.log
status=${PIPESTATUS[0]}
set -e
echo
grep -E "tests passed|tests failed" ctest.log | tail -1 || true
exit "$status"
