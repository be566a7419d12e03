#!/usr/bin/env bash
# `make dist` (1 of 2): the extension as a Debian package for the PHP that PHP_CONFIG names (default
# `php-config`: Debian 12's PHP 8.2, API 20220829), built with dpkg-deb and no network.
#
#   dist/php<ver>-wpcrm_<version>-1_<arch>.deb
#     /usr/lib/php/<api>/wpcrm.so                  (php-config --extension-dir)
#     /etc/php/<ver>/mods-available/wpcrm.ini      (conffile: packaging/wpcrm.ini)
#     /usr/share/doc/php<ver>-wpcrm/copyright
#   postinst: phpenmod; prerm (remove): phpdismod; postrm (purge): phpdismod -p (phpenmod's state).
#   Depends: phpapi-<api> (provided by the SAPIs of that PHP), php<ver>-common, libc6 (>= the newest
#   glibc symbol version the .so uses), libgcc-s1, ca-certificates (TLS roots: the extension uses rustls
#   with the system's certificates, so no libssl).
#
# Another PHP (8.1, 8.3, 8.4, e.g. from packages.sury.org): install its -dev package and run
# `PHP_CONFIG=php-config8.3 make dist` (a name on PATH or a path); ext-php-rs builds against the headers
# that php-config points to.
# WPCRM_SKIP_BUILD=1 packages target/release/libwpcrm.so as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

php_config=$(command -v "${PHP_CONFIG:-php-config}") || { echo "build-deb: ${PHP_CONFIG:-php-config} not found" >&2; exit 1; }
php_version=$("$php_config" --version | cut -d. -f1,2)
php_api=$("$php_config" --phpapi)
ext_dir=$("$php_config" --extension-dir)
php_bin=$("$php_config" --php-binary)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
arch=$(dpkg --print-architecture)
name="php${php_version}-wpcrm"
deb="dist/${name}_${version}-1_${arch}.deb"

if [ "${WPCRM_SKIP_BUILD:-0}" != 1 ]; then
  if [ -n "${PHP_CONFIG:-}" ]; then
    # ext-php-rs reads PHP_CONFIG and PHP (paths) to find the headers it builds against.
    PHP_CONFIG="$php_config" PHP="$php_bin" cargo build --release -p wpcrm >&2
  else
    cargo build --release -p wpcrm >&2
  fi
fi
so=target/release/libwpcrm.so
[ -f "$so" ] || { echo "build-deb: $so is missing" >&2; exit 1; }
# The .so must be the one for this PHP: it loads into it (no php.ini, so nothing else interferes).
if ! "$php_bin" -n -d "extension=$PWD/$so" -r 'exit(extension_loaded("wpcrm") ? 0 : 1);'; then
  echo "build-deb: $so does not load into $php_bin ($php_version); rebuild with PHP_CONFIG=$php_config" >&2
  exit 1
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/wpcrm-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
install -d "$root/DEBIAN" "$root$ext_dir" "$root/etc/php/$php_version/mods-available" "$root/usr/share/doc/$name"
install -m 0644 "$so" "$root$ext_dir/wpcrm.so"
strip --strip-unneeded "$root$ext_dir/wpcrm.so"
install -m 0644 packaging/wpcrm.ini "$root/etc/php/$php_version/mods-available/wpcrm.ini"
cat >"$root/usr/share/doc/$name/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wpcrm
Comment: The wpcrm PHP extension (Rust, ext-php-rs); its Rust dependencies are listed with their
 licences in the source's Cargo.lock.

Files: *
License: MIT
EOF

# libc6: the newest GLIBC_x.y symbol version the .so needs.
glibc=$(objdump -T "$root$ext_dir/wpcrm.so" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -n 1)
depends="phpapi-${php_api}, php${php_version}-common, libc6 (>= ${glibc}), libgcc-s1, ca-certificates"
cat >"$root/DEBIAN/control" <<EOF
Package: $name
Version: ${version}-1
Architecture: $arch
Maintainer: wpcrm <wpcrm@localhost>
Section: php
Priority: optional
Depends: $depends
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Description: PHP extension that sets up and verifies a Dataverse connection
 wpcrm_provision() registers the Entra ID application, its client secret, the
 Dataverse application user and a least-privilege role for a WordPress site;
 wpcrm_verify_connection() checks, in one bounded call, that the connection works
 and says what to fix. Built for PHP $php_version (API $php_api). The WordPress plugin
 that uses it ships separately (wpcrm-connect.zip).
EOF
echo "/etc/php/$php_version/mods-available/wpcrm.ini" >"$root/DEBIAN/conffiles"

cat >"$root/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
# Enable for every SAPI of PHP $php_version, unless an administrator disabled it (-m: as the maintainer).
if [ "\$1" = configure ] && command -v phpenmod >/dev/null 2>&1; then
  phpenmod -m -v $php_version wpcrm
fi
EOF
cat >"$root/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
if [ "\$1" = remove ] && command -v phpdismod >/dev/null 2>&1; then
  phpdismod -m -v $php_version wpcrm
fi
EOF
cat >"$root/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
# Purge: forget phpenmod's record of the module, one SAPI at a time (with several SAPIs in one call,
# phpdismod -p only forgets the last one's), as Debian's php-maintscript-helper does.
if [ "\$1" = purge ] && command -v phpdismod >/dev/null 2>&1 && command -v phpquery >/dev/null 2>&1; then
  for sapi in \$(phpquery -S -v $php_version); do
    phpdismod -p -f -v $php_version -s "\$sapi" -q wpcrm >/dev/null 2>&1 || true
  done
fi
EOF
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)

mkdir -p dist
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
