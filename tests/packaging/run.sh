#!/usr/bin/env bash
# The packages of `make dist`, installed on this machine and removed again (as root: dpkg):
#   1. dist/php8.2-wpcrm_*.deb: its metadata; dpkg -i; `php -m` lists wpcrm (phpenmod ran for every SAPI);
#   2. dist/wpcrm-connect-*.zip: unzipped into a fresh test WordPress (tests/wordpress/lib.sh, its own
#      build folder and MariaDB) and activated through WordPress; then the real WP-CLI, in the system's
#      PHP with nothing added, runs `wp wpcrm status` and sees the packaged extension;
#   3. the plugin deactivated and uninstalled, its folder removed; dpkg -r (php -m no longer lists wpcrm,
#      the .so and the conf.d links are gone, the conffile stays); dpkg --purge (nothing of it is left).
# Refuses to run over an extension installed otherwise (`make install`), which it would overwrite.
# Leaves the machine as it found it, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
log() { printf '[packaging] %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "needs root (dpkg -i) or sudo"
  SUDO=sudo
fi
./scripts/install-deps.sh

php_version=$(php-config --version | cut -d. -f1,2)
ext_dir=$(php-config --extension-dir)
pkg="php${php_version}-wpcrm"
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
  fail "$pkg is already installed; remove it first (dpkg --purge $pkg)"
fi
if [ -e "$ext_dir/wpcrm.so" ] || [ -e "/etc/php/$php_version/mods-available/wpcrm.ini" ] || grep -qx wpcrm <<<"$(php -m)"; then
  fail "an extension installed otherwise (make install) is present: phpdismod wpcrm; rm $ext_dir/wpcrm.so /etc/php/$php_version/mods-available/wpcrm.ini"
fi

log "make dist"
make -s dist >&2
deb=$(ls dist/"${pkg}"_*.deb)
zip=$(ls dist/wpcrm-connect-*.zip)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

export WPT_BUILD=$root/build/packaging-wordpress
# shellcheck source=../wordpress/lib.sh
source "$root/tests/wordpress/lib.sh"
cleanup() {
  local rc=$?
  wpt_stop_mariadb
  if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok'; then
    log "cleaning up: dpkg --purge $pkg"
    $SUDO dpkg --purge "$pkg" >/dev/null 2>&1 || true
  fi
  exit $rc
}
trap cleanup EXIT INT TERM

# 1. The Debian package.
info=$(dpkg-deb -f "$deb" Package Version Architecture Depends)
log "$deb: $(echo "$info" | tr '\n' ' ')"
echo "$info" | grep -qx "Version: ${version}-1" || fail "version is not ${version}-1"
depends=$(dpkg-deb -f "$deb" Depends)
for dep in "phpapi-$(php-config --phpapi)" "php${php_version}-common" libc6 ca-certificates; do
  case ", $depends," in *", $dep"[,\ ]*) ;; *) fail "Depends lacks $dep: $depends" ;; esac
done
contents=$(dpkg-deb -c "$deb")
grep -q " \./${ext_dir#/}/wpcrm\.so$" <<<"$contents" || fail "the .so is not in $ext_dir"
grep -q " \./etc/php/$php_version/mods-available/wpcrm\.ini$" <<<"$contents" || fail "no mods-available/wpcrm.ini"

log "dpkg -i $deb"
$SUDO dpkg -i "$deb" >&2
grep -qx wpcrm <<<"$(php -m)" || fail "php -m does not list wpcrm after dpkg -i"
[ "$(php -r 'echo phpversion("wpcrm");')" = "$version" ] || fail "phpversion('wpcrm') is not $version"
for sapi in $(phpquery -S -v "$php_version"); do
  [ -L "/etc/php/$php_version/$sapi/conf.d/20-wpcrm.ini" ] || fail "phpenmod did not enable wpcrm for the $sapi SAPI"
done
log "php -m lists wpcrm $version; enabled for: $(phpquery -S -v "$php_version" | tr '\n' ' ')"

# 2. The plugin zip in a fresh WordPress, activated through WordPress, seen by the real WP-CLI.
wpt_require_wp_cli
rm -rf "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect" # an earlier run's unzipped copy
wpt_prepare_wordpress
rm -f "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect" # lib.sh links the source in; the zip replaces it.
unzip -q -o "$zip" -d "$WPT_WP_DIR/wp-content/plugins"
[ -f "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect/wpcrm-connect.php" ] || fail "the zip has no wpcrm-connect/wpcrm-connect.php"
[ ! -L "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect" ] || fail "the plugin folder is still the source link"
wpt_start_mariadb
WPT_URL=http://127.0.0.1:$(wpt_free_port)
export WPT_URL
wpt_write_config "$WPT_URL"
# The system's PHP, which now loads the packaged extension through its own ini files.
installed=$(php "$root/tests/wordpress/install.php" "$WPT_WP_DIR" 2>&1) || fail "install.php failed: $installed"
log "$installed"
grep -q 'plugin active (extension loaded)' <<<"$installed" || fail "the zipped plugin was not activated with the packaged extension loaded"

wp=("$WPT_WP_CLI" "--path=$WPT_WP_DIR")
[ "$(id -u)" -eq 0 ] && wp+=(--allow-root)
status=$(env -u WP_CLI_PHP_ARGS WPT_DEBUG_DISPLAY=0 "${wp[@]}" wpcrm status --format=json) || fail "wp wpcrm status failed: $status"
echo "$status" | jq -e --arg v "$version" '.extension.loaded == true and .extension.version == $v' >/dev/null \
  || fail "wp wpcrm status does not see the packaged extension: $status"
log "wp wpcrm status (real WP-CLI, system PHP): extension $(echo "$status" | jq -c .extension)"

# 3. Remove: the plugin through WordPress (deactivate, uninstall), then the package.
php -r '
  $_SERVER["HTTP_HOST"] = parse_url(getenv("WPT_URL"), PHP_URL_HOST) . ":" . parse_url(getenv("WPT_URL"), PHP_URL_PORT);
  require getenv("WPT_WP_DIR") . "/wp-load.php";
  require_once ABSPATH . "wp-admin/includes/plugin.php";
  deactivate_plugins("wpcrm-connect/wpcrm-connect.php", true);
  uninstall_plugin("wpcrm-connect/wpcrm-connect.php");
  global $wpdb;
  $left = $wpdb->get_col("SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE \"wpcrm\\_connect\\_%\"");
  if (is_plugin_active("wpcrm-connect/wpcrm-connect.php") || $left) {
    fwrite(STDERR, "still active or options left: " . implode(", ", $left) . "\n");
    exit(1);
  }
' || fail "the plugin did not deactivate and uninstall"
rm -rf "$WPT_WP_DIR/wp-content/plugins/wpcrm-connect"
log "plugin deactivated, uninstalled and removed"

log "dpkg -r $pkg"
$SUDO dpkg -r "$pkg" >&2
! grep -qx wpcrm <<<"$(php -m)" || fail "php -m still lists wpcrm after dpkg -r"
[ ! -e "$ext_dir/wpcrm.so" ] || fail "$ext_dir/wpcrm.so is left after dpkg -r"
! ls /etc/php/"$php_version"/*/conf.d/*wpcrm* >/dev/null 2>&1 || fail "conf.d links are left after dpkg -r"
[ -f "/etc/php/$php_version/mods-available/wpcrm.ini" ] || fail "dpkg -r removed the conffile (only --purge may)"

log "dpkg --purge $pkg"
$SUDO dpkg --purge "$pkg" >&2
[ ! -e "/etc/php/$php_version/mods-available/wpcrm.ini" ] || fail "the ini is left after --purge"
! ls /var/lib/php/modules/"$php_version"/*/*/wpcrm >/dev/null 2>&1 || fail "phpenmod's state of wpcrm is left after --purge"
! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok' || fail "dpkg still knows $pkg"
log "ok: installed, used by WordPress and WP-CLI, removed without a trace"
