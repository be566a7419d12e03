#!/usr/bin/env bash
# PHPUnit on a real WordPress (Debian's package) with the wpcrm extension and the sandbox.
#   tests/wordpress/run.sh [phpunit args...]
# Takes WPCRM_SO, WPCRM_SANDBOX_URL, WPCRM_CA_FILE from the environment, else sources
# scripts/php-ext-env.sh and runs wpcrm_env_up (builds, WPCRM_PROFILE=release by default, and starts
# the sandbox). WPT_NO_EXTENSION=1 WPT_ALLOW_NO_EXTENSION=1 runs without the extension (the tests that
# need it are skipped). Idempotent: every run starts from a fresh database.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
cd "$WPT_ROOT"

cleanup() {
  local rc=$?
  wpt_stop_mariadb
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit $rc
}

wpt_load_extension_env
trap cleanup EXIT INT TERM

if [ -z "${WPCRM_SO:-}" ] && [ "${WPT_ALLOW_NO_EXTENSION:-0}" != 1 ]; then
  wpt_log "WPCRM_SO is not set and scripts/php-ext-env.sh did not provide it; set WPT_ALLOW_NO_EXTENSION=1 to run without the extension"
  exit 1
fi

wpt_require_wp_cli || exit 1

port=$(wpt_free_port)
export WPT_URL=http://127.0.0.1:$port
wpt_setup "$WPT_URL"
rm -f "$WPT_BUILD/debug.log"

phpunit_args=(-c "$here/phpunit.xml")
if [ -n "${WPCRM_SO:-}" ]; then
  phpunit_args+=(--fail-on-skipped)
fi
status=0
wpt_php /usr/bin/phpunit "${phpunit_args[@]}" "$@" || status=$?

# Requests served by php -S during the tests log to debug.log (WP_DEBUG_LOG): none may come from the plugin.
if [ -f "$WPT_BUILD/debug.log" ] && grep -n 'plugins/wpcrm-connect/\|php/wpcrm-connect/' "$WPT_BUILD/debug.log" >&2; then
  wpt_log "PHP notices/warnings from the plugin's own code in $WPT_BUILD/debug.log (above)"
  status=1
fi
exit $status
