#!/usr/bin/env bash
# `make install`: installs the release build of the extension into the system PHP, idempotently.
#   1. copies target/release/libwpcrm.so to `php-config --extension-dir`/wpcrm.so (by rename, so
#      running php-fpm workers keep the old file mapped instead of crashing on a rewritten one);
#   2. writes /etc/php/<version>/mods-available/wpcrm.ini (packaging/wpcrm.ini: the wpcrm.* settings commented out,
#      the same file the Debian package of `make dist` ships)
#      (an existing file is left alone: it may hold the admin's settings);
#   3. enables it for every SAPI with phpenmod, and checks that `php -m` lists wpcrm.
# Overrides for packaging and tests: WPCRM_EXT_DIR, WPCRM_MODS_DIR, WPCRM_NO_ENMOD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

so="target/release/libwpcrm.so"
if [ ! -f "$so" ]; then
  cargo build --release -p wpcrm
fi
php_version="$(php-config --version | cut -d. -f1,2)"
ext_dir="${WPCRM_EXT_DIR:-$(php-config --extension-dir)}"
mods_dir="${WPCRM_MODS_DIR:-/etc/php/$php_version/mods-available}"
SUDO=""
if [ "$(id -u)" -ne 0 ] && { [ ! -w "$ext_dir" ] || [ ! -w "$mods_dir" ]; }; then
  SUDO="sudo"
fi

# 1. the shared object
if cmp -s "$so" "$ext_dir/wpcrm.so"; then
  echo "install-extension: $ext_dir/wpcrm.so is up to date"
else
  $SUDO install -m 0644 "$so" "$ext_dir/.wpcrm.so.new"
  $SUDO mv -f "$ext_dir/.wpcrm.so.new" "$ext_dir/wpcrm.so"
  echo "install-extension: installed $ext_dir/wpcrm.so"
fi

# 2. the ini file
ini="$mods_dir/wpcrm.ini"
if [ -f "$ini" ] && grep -qE '^\s*extension\s*=\s*wpcrm(\.so)?\s*$' "$ini"; then
  echo "install-extension: $ini exists, left as it is"
else
  $SUDO mkdir -p "$mods_dir"
  $SUDO install -m 0644 packaging/wpcrm.ini "$ini"
  echo "install-extension: wrote $ini"
fi

# 3. enable and check
if [ "${WPCRM_NO_ENMOD:-0}" = 1 ]; then
  exit 0
fi
$SUDO phpenmod -v "$php_version" wpcrm
if php -m | grep -qx wpcrm; then
  echo "install-extension: wpcrm $(php -r 'echo phpversion("wpcrm");') is enabled (restart php-fpm to load it there)"
else
  echo "install-extension: php -m does not list wpcrm after phpenmod" >&2
  exit 1
fi
