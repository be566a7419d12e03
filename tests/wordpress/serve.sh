#!/usr/bin/env bash
# Serves a fresh WordPress with the plugin (and the extension + sandbox when available) on
# http://127.0.0.1:PORT with `php -S`, for the browser tests and the demo. Stays in the foreground;
# Ctrl-C (or SIGTERM) stops PHP and MariaDB.
#   WPT_PORT=8089 tests/wordpress/serve.sh
# Prints "wordpress ready: URL" on stdout once it answers, then the admin login.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export WPT_BUILD=${WPT_BUILD:-$(cd "$here/../.." && pwd)/build/wordpress-demo}
# shellcheck source=lib.sh
source "$here/lib.sh"
cd "$WPT_ROOT"

server_pid=
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ]; then
    # php -S with workers: the workers are children of the server process; stop them too.
    pkill -TERM -P "$server_pid" 2>/dev/null || true
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  wpt_stop_mariadb
  if declare -F wpcrm_sandbox_stop >/dev/null; then wpcrm_sandbox_stop || true; fi
  exit $rc
}

wpt_load_extension_env
trap cleanup EXIT INT TERM
port=${WPT_PORT:-$(wpt_free_port)}
export WPT_URL=http://127.0.0.1:$port
wpt_setup "$WPT_URL"

wpt_php_cmd
# Several workers: the page polls provisioning while other requests (a second tab, assets) run.
PHP_CLI_SERVER_WORKERS=${PHP_CLI_SERVER_WORKERS:-4} "${WPT_PHP[@]}" -S "127.0.0.1:$port" -t "$WPT_WP_DIR" "$here/router.php" >"$WPT_BUILD/php-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "$WPT_URL/wp-login.php" 2>/dev/null; then break; fi
  sleep 0.1
done
echo "wordpress ready: $WPT_URL"
echo "  admin:    $WPT_URL/wp-admin/options-general.php?page=wpcrm-connect"
echo "  login:    $WPT_ADMIN_USER / $WPT_ADMIN_PASSWORD"
# The seeded admin's sign-in, from the seed (the one place it is written).
seeded_admin=$(jq -r '.users[] | select(.upn | startswith("admin@")) | "\(.upn) / \(.password)"' seed/default.json)
echo "  sandbox:  ${WPCRM_SANDBOX_URL:-(not running)}  (sign in as $seeded_admin)"
echo "  extension: ${WPCRM_SO:-(not loaded: buttons are disabled)}"
wait "$server_pid"
