#!/usr/bin/env bash
# Installs every system package wpcrm needs on Debian 12, and nothing if they are all there already.
# Language packages (PyPI, npm) are pinned in their suites' own files and installed by those suites.
set -euo pipefail

packages=(
  # the extension: PHP headers and php-config for ext-php-rs, libclang for bindgen
  php8.2-cli php8.2-dev libclang-dev
  # the plugin's tests: a real WordPress on MariaDB, PHPUnit, php-fpm for the soak
  php8.2-fpm php8.2-mysql php8.2-curl php8.2-xml php8.2-mbstring mariadb-server wordpress phpunit
  # browser end-to-end tests
  chromium fonts-dejavu-core
  # the real WP-CLI the WordPress suite runs (../shared/tools/wp-cli: WP-CLI 2.12.0 from source) needs
  # Symfony Finder, which it takes from Debian
  php-symfony-finder
  # the plugin's translations: xgettext and msgfmt (scripts/make-pot)
  gettext
  # packages (make dist, tests/packaging): dpkg-deb comes with dpkg; objdump and strip (binutils) for
  # the .so's libc dependency and stripping; zip and unzip for the plugin zip
  binutils zip unzip
  # tooling used by the scripts
  curl ca-certificates python3-venv jq
)

# The Rust toolchain comes from rustup (Debian's own cargo is too old for this workspace); the build
# machines have it. Say so plainly instead of failing later inside a build.
if ! command -v cargo >/dev/null 2>&1; then
  echo "install-deps: cargo not found: install Rust 1.85 or newer with rustup (components rustfmt, clippy)" >&2
  exit 1
fi
rust_minor=$(cargo --version | sed -E 's/^cargo 1\.([0-9]+).*/\1/')
if [ "${rust_minor:-0}" -lt 85 ] 2>/dev/null; then
  echo "install-deps: $(cargo --version) is too old: this workspace needs Rust 1.85 or newer (rustup)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
