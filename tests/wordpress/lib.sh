# shellcheck shell=bash
# Harness functions shared by run.sh (PHPUnit) and serve.sh (browser tests, demo).
# A WordPress copied from Debian's package, a private MariaDB on a unix socket, the plugin symlinked in,
# and PHP started with the wpcrm extension when WPCRM_SO is set.
#
# Inputs (environment): WPCRM_SO, WPCRM_SANDBOX_URL, WPCRM_CA_FILE (from scripts/php-ext-env.sh),
# WPT_BUILD (build folder, default build/wordpress-tests), WPT_PORT (HTTP port, default: a free one).

WPT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WPT_BUILD=${WPT_BUILD:-$WPT_ROOT/build/wordpress-tests}
WPT_WP_DIR=$WPT_BUILD/wordpress
WPT_DB_DIR=$WPT_BUILD/mysql
WPT_DB_SOCK=$WPT_BUILD/mysqld.sock
WPT_DB_PID=$WPT_BUILD/mysqld.pid
WPT_ADMIN_USER=admin
WPT_ADMIN_PASSWORD=wpcrm-admin
# The real WP-CLI (2.12.0 from source, see its SOURCES.md), beside the repository as on CI's checkout.
WPT_WP_CLI=${WPT_WP_CLI:-$WPT_ROOT/../shared/tools/wp-cli/wp}
export WPT_ROOT WPT_BUILD WPT_WP_DIR WPT_DB_SOCK WPT_ADMIN_USER WPT_ADMIN_PASSWORD WPT_WP_CLI

wpt_log() { printf '[wordpress] %s\n' "$*" >&2; }

wpt_free_port() {
  php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr(strrchr($n, ":"), 1);'
}

# PHP's additional ini files without any wpcrm one, so a copy installed by `make install` is not
# loaded next to the one under test (PHP would warn "Module already loaded"). The test's PHP keeps
# mysqli, curl and the rest of Debian's modules, so `php -n` is not an option here.
wpt_ini_scan_dir() {
  local src dir=$WPT_BUILD/php-conf.d f
  src=$(php -n -r 'echo PHP_CONFIG_FILE_SCAN_DIR;')
  mkdir -p "$dir"
  rm -f "$dir"/*.ini
  for f in "$src"/*.ini; do
    case "$(basename "$f")" in *wpcrm*) continue ;; esac
    ln -s "$f" "$dir/$(basename "$f")"
  done
  echo "$dir"
}

# The PHP command line with the extension when available, in the array WPT_PHP (`env ... php -d ...`,
# so that "${WPT_PHP[@]}" ... & gives the PID of PHP itself).
wpt_php_cmd() {
  WPT_PHP=(env "PHP_INI_SCAN_DIR=${WPT_INI_SCAN_DIR:-}" php)
  if [ -n "${WPCRM_SO:-}" ]; then
    WPT_PHP+=(-d "extension=$WPCRM_SO")
    [ -n "${WPCRM_SANDBOX_URL:-}" ] && WPT_PHP+=(-d "wpcrm.sandbox_url=$WPCRM_SANDBOX_URL")
    [ -n "${WPCRM_CA_FILE:-}" ] && WPT_PHP+=(-d "wpcrm.ca_file=$WPCRM_CA_FILE")
  fi
  return 0
}

# Runs PHP with the extension when available: wpt_php ARGS...
wpt_php() {
  wpt_php_cmd
  "${WPT_PHP[@]}" "$@"
}

# Fails loudly unless the real WP-CLI runs here (the CLI tests drive every `wp wpcrm` command through it;
# it needs Debian's php-symfony-finder, which scripts/install-deps.sh installs).
wpt_require_wp_cli() {
  if [ ! -x "$WPT_WP_CLI" ]; then
    wpt_log "WP-CLI not found at $WPT_WP_CLI (expected ../shared/tools/wp-cli/wp beside the repository; set WPT_WP_CLI to another wp)"
    return 1
  fi
  local out
  if ! out=$("$WPT_WP_CLI" --version --allow-root 2>&1) || ! printf '%s' "$out" | grep -q '^WP-CLI '; then
    wpt_log "$WPT_WP_CLI does not run: $out"
    return 1
  fi
  WPT_WP_CLI=$(cd "$(dirname "$WPT_WP_CLI")" && pwd)/$(basename "$WPT_WP_CLI")
  export WPT_WP_CLI
  wpt_log "using $out at $WPT_WP_CLI"
}

# Copies WordPress (once) and links the plugin in.
wpt_prepare_wordpress() {
  mkdir -p "$WPT_BUILD"
  if [ ! -f "$WPT_WP_DIR/wp-includes/version.php" ]; then
    wpt_log "copying /usr/share/wordpress to $WPT_WP_DIR"
    rm -rf "$WPT_WP_DIR"
    cp -RL /usr/share/wordpress "$WPT_WP_DIR"
  fi
  rm -f "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect"
  ln -s "$WPT_ROOT/php/wpcrm-connect" "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect"
  if [ "${WPT_LEGACY_STANDIN:-0}" = 1 ]; then
    WPT_EXTRA_PLUGINS="${WPT_EXTRA_PLUGINS:-} $WPT_ROOT/tests/wordpress/fixtures/integration-dynamics"
  fi
  if [ "${WPT_DATAPRESS_STANDIN:-0}" = 1 ]; then
    WPT_EXTRA_PLUGINS="${WPT_EXTRA_PLUGINS:-} $WPT_ROOT/tests/wordpress/fixtures/integration-cds"
  fi
  export WPT_EXTRA_PLUGINS
  if [ -n "${WPT_EXTRA_PLUGINS:-}" ]; then
    local p
    for p in $WPT_EXTRA_PLUGINS; do
      rm -rf "$WPT_WP_DIR/wp-content/plugins/$(basename "$p")"
      cp -R "$p" "$WPT_WP_DIR/wp-content/plugins/"
    done
  fi
}

# Starts a private MariaDB on a unix socket (no TCP) and creates an empty database.
wpt_start_mariadb() {
  mkdir -p "$WPT_BUILD"
  wpt_stop_mariadb
  if [ ! -d "$WPT_DB_DIR/mysql" ]; then
    wpt_log "initialising MariaDB in $WPT_DB_DIR"
    mariadb-install-db --no-defaults --datadir="$WPT_DB_DIR" --auth-root-authentication-method=normal \
      --skip-test-db --user="$(id -un)" >"$WPT_BUILD/mariadb-install.log" 2>&1 \
      || { cat "$WPT_BUILD/mariadb-install.log" >&2; return 1; }
  fi
  mariadbd --no-defaults --datadir="$WPT_DB_DIR" --socket="$WPT_DB_SOCK" --pid-file="$WPT_DB_PID" \
    --skip-networking --user="$(id -un)" --log-error="$WPT_BUILD/mariadb.err" \
    --innodb-buffer-pool-size=32M --skip-log-bin >/dev/null 2>&1 &
  local i
  for i in $(seq 1 100); do
    if mariadb-admin --no-defaults --socket="$WPT_DB_SOCK" -uroot ping >/dev/null 2>&1; then
      break
    fi
    sleep 0.2
  done
  mariadb-admin --no-defaults --socket="$WPT_DB_SOCK" -uroot ping >/dev/null 2>&1 \
    || { wpt_log "MariaDB did not start:"; tail -20 "$WPT_BUILD/mariadb.err" >&2; return 1; }
  mariadb --no-defaults --socket="$WPT_DB_SOCK" -uroot <<'SQL'
DROP DATABASE IF EXISTS wordpress;
CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'wordpress'@'localhost' IDENTIFIED BY 'wordpress';
GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';
SQL
}

wpt_stop_mariadb() {
  if [ -f "$WPT_DB_PID" ]; then
    local pid
    pid=$(cat "$WPT_DB_PID" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      local i
      for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$WPT_DB_PID"
  fi
}

# Writes wp-config.php with fresh salts and WP_DEBUG; WP_HOME comes from WPT_URL at run time.
wpt_write_config() {
  local url=$1 salts name
  salts=""
  for name in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    salts+="define( '$name', '$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')' );"$'\n'
  done
  cat >"$WPT_WP_DIR/wp-config.php" <<PHP
<?php
// Written by tests/wordpress/lib.sh for the test and demo WordPress; regenerated on every run.
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wordpress' );
define( 'DB_PASSWORD', 'wordpress' );
define( 'DB_HOST', 'localhost:$WPT_DB_SOCK' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
$salts
\$table_prefix = 'wp_';
define( 'WP_HOME', getenv( 'WPT_URL' ) ?: '$url' );
define( 'WP_SITEURL', WP_HOME );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '$WPT_BUILD/debug.log' );
define( 'WP_DEBUG_DISPLAY', getenv( 'WPT_DEBUG_DISPLAY' ) !== '0' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );
if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
PHP
}

# Installs WordPress with wp_install(), creates the editor and subscriber, activates the plugin.
wpt_install() {
  local url=$1
  WPT_URL=$url wpt_php "$WPT_ROOT/tests/wordpress/install.php" "$WPT_WP_DIR"
}

# Everything up to an installed site: wpt_setup URL
wpt_setup() {
  local url=$1
  wpt_prepare_wordpress
  wpt_start_mariadb
  wpt_write_config "$url"
  wpt_install "$url"
}

# Provides WPCRM_SO, WPCRM_SANDBOX_URL and WPCRM_CA_FILE: taken from the environment when the caller
# set them, else scripts/php-ext-env.sh builds the extension and starts the sandbox (wpcrm_env_up).
# Call it before installing your own EXIT trap, and call wpcrm_sandbox_stop from that trap.
wpt_load_extension_env() {
  mkdir -p "$WPT_BUILD"
  WPT_INI_SCAN_DIR=$(wpt_ini_scan_dir)
  export WPT_INI_SCAN_DIR
  if [ -n "${WPCRM_SO:-}" ] && [ -n "${WPCRM_SANDBOX_URL:-}" ]; then
    return 0
  fi
  if [ "${WPT_NO_EXTENSION:-0}" = 1 ] || [ ! -f "$WPT_ROOT/scripts/php-ext-env.sh" ]; then
    unset WPCRM_SO
    return 0
  fi
  # shellcheck disable=SC1091
  source "$WPT_ROOT/scripts/php-ext-env.sh"
  wpcrm_env_up
}
