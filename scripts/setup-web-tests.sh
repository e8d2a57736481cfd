#!/usr/bin/env bash
# Installs what the browser test needs besides scripts/setup-deps.sh (which brings Debian's chromium):
# Node.js with npm, and playwright-core from the npm registry (it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/../tests/web"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # Only when absent: an image may carry its own Node.js whose npm would conflict with Debian's package.
  apt-get install -y --no-install-recommends nodejs npm >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends nodejs npm >/dev/null; }
fi
if [ ! -f node_modules/playwright-core/package.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
