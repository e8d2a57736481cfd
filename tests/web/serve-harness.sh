# Sourced by the web tests' CTest entries (run-ui-test.sh, run-subsonic-test.sh): a work folder removed
# on exit, with the server they start stopped first.
#   require_node_package NAME   exit 1 unless scripts/setup-web-tests.sh installed NAME
#   start_serve DB              `soundalike serve --db DB --port 0`; sets $url once it listens
# Expects $cli (the soundalike binary) and $here (this folder).
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

require_node_package() {
  if [ ! -f "$here/node_modules/$1/package.json" ]; then
    echo "$1 is not installed: run scripts/setup-web-tests.sh" >&2
    exit 1
  fi
}

start_serve() {
  "$cli" serve --db "$1" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
  server=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$work/serve.out" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out")
  [ -n "$url" ] || { echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
}
