#!/usr/bin/env bash
# Installs what the Node.js tests need besides scripts/setup-deps.sh (which brings Debian's chromium):
# Node.js with npm, and from the npm registry, at the versions pinned in tests/web/package-lock.json,
# playwright-core (the browser test; it never downloads a browser) and subsonic-api (a real OpenSubsonic
# client for the test of `serve`'s /rest/ API).
set -euo pipefail
cd "$(dirname "$0")/../tests/web"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # Only when absent: an image may carry its own Node.js whose npm would conflict with Debian's package.
  apt-get install -y --no-install-recommends nodejs npm >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends nodejs npm >/dev/null; }
fi
if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/subsonic-api/package.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
