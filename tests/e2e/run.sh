#!/usr/bin/env bash
# Browser end-to-end test of the wpcrm-connect plugin (issue 5) in headless Chromium (Debian's
# /usr/bin/chromium driven by playwright-core; no browser is downloaded).
#   tests/e2e/run.sh
# Installs playwright-core from package-lock.json (npm ci), builds the extension and starts the sandbox
# (scripts/php-ext-env.sh through tests/wordpress/lib.sh, unless WPCRM_SO, WPCRM_SANDBOX_URL and
# WPCRM_CA_FILE are already set), serves a fresh WordPress with tests/wordpress/serve.sh, runs
# connection.e2e.js, and stops everything it started. Screenshots of every stage, the console log and
# the server logs go to tests/e2e/artifacts/ (gitignored, emptied on every run).
# Prints "e2e: N passed, N failed"; exits non-zero on any failure.
# Knobs: WPCRM_PROFILE=debug WPCRM_SKIP_BUILD=1 (reuse target/debug while iterating),
#        E2E_HEADED=1 E2E_SLOWMO=300 (watch it on a display).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
artifacts=$here/artifacts
export WPT_BUILD=${WPT_BUILD:-$root/build/e2e-wordpress}

log() { printf '[e2e] %s\n' "$*" >&2; }

rm -rf "$artifacts"
mkdir -p "$artifacts"

if [ ! -x /usr/bin/chromium ] && [ -z "${E2E_CHROMIUM:-}" ]; then
  log "/usr/bin/chromium is missing (scripts/install-deps.sh installs Debian's chromium)"
  exit 1
fi
log "npm ci (playwright-core as pinned in package-lock.json)"
(cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)

# shellcheck source=../wordpress/lib.sh
source "$root/tests/wordpress/lib.sh"

serve_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid" 2>/dev/null || true # serve.sh stops its PHP and MariaDB
    wait "$serve_pid" 2>/dev/null || true
  fi
  for f in php-server.log debug.log mariadb.err; do
    [ -f "$WPT_BUILD/$f" ] && cp "$WPT_BUILD/$f" "$artifacts/wordpress-$f"
  done
  if [ -n "${WPCRM_SANDBOX_LOG:-}" ] && [ -f "$WPCRM_SANDBOX_LOG" ]; then
    cp "$WPCRM_SANDBOX_LOG" "$artifacts/sandbox.log"
  fi
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit "$rc"
}

# Builds (a no-op when up to date) and starts the sandbox in this shell, so the test knows its CA.
wpt_load_extension_env
trap cleanup EXIT INT TERM
if [ -z "${WPCRM_SO:-}" ] || [ -z "${WPCRM_SANDBOX_URL:-}" ] || [ -z "${WPCRM_CA_FILE:-}" ]; then
  log "the extension or the sandbox is not available (WPCRM_SO, WPCRM_SANDBOX_URL, WPCRM_CA_FILE)"
  exit 1
fi
export WPCRM_SO WPCRM_SANDBOX_URL WPCRM_CA_FILE

rm -f "$WPT_BUILD/debug.log"
# serve.sh takes the extension and sandbox from the environment and stays in the foreground.
"$root/tests/wordpress/serve.sh" >"$artifacts/serve.out" 2>"$artifacts/serve.err" &
serve_pid=$!
url=
for _ in $(seq 1 1200); do
  url=$(awk '/^wordpress ready: /{print $3; exit}' "$artifacts/serve.out" 2>/dev/null)
  [ -n "$url" ] && break
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    log "tests/wordpress/serve.sh exited before WordPress was ready:"
    sed 's/^/  /' "$artifacts/serve.err" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  log "WordPress was not ready after 120 s"
  exit 1
fi
log "WordPress at $url, sandbox at $WPCRM_SANDBOX_URL"

status=0
(
  cd "$here"
  WPT_URL=$url NODE_EXTRA_CA_CERTS=$WPCRM_CA_FILE E2E_ARTIFACTS=$artifacts node connection.e2e.js
) || status=$?

# Requests served during the test log PHP notices to debug.log: none may come from the plugin.
if [ -f "$WPT_BUILD/debug.log" ] && grep -n 'plugins/wpcrm-connect/\|php/wpcrm-connect/' "$WPT_BUILD/debug.log" >&2; then
  log "PHP notices/warnings from the plugin's own code in $WPT_BUILD/debug.log (above)"
  status=1
fi
exit "$status"
