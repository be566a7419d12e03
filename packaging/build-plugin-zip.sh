#!/usr/bin/env bash
# `make dist` (2 of 2): the WordPress plugin as dist/wpcrm-connect-<version>.zip (one top folder,
# wpcrm-connect/, as WordPress's "Upload Plugin" expects), after checking that readme.txt is in the
# WordPress.org format and agrees with the plugin header: the headers, Stable tag = Version, Requires PHP
# and Requires at least the same in both, and the Description, Installation and Changelog sections.
set -euo pipefail
cd "$(dirname "$0")/.."
src=php/wpcrm-connect
readme=$src/readme.txt

header() { sed -n "s/^ \* $1: *//p" "$src/wpcrm-connect.php" | head -n 1 | tr -d '\r'; }
field() { sed -n "s/^$1: *//p" "$readme" | head -n 1 | tr -d '\r'; }
fail() { echo "build-plugin-zip: $*" >&2; exit 1; }

version=$(header Version)
[ -n "$version" ] || fail "no Version header in $src/wpcrm-connect.php"
head -n 1 "$readme" | grep -qE '^=== .+ ===$' || fail "$readme must start with === Plugin Name ==="
for f in Contributors Tags 'Requires at least' 'Tested up to' 'Requires PHP' 'Stable tag' License 'License URI'; do
  [ -n "$(field "$f")" ] || fail "$readme lacks the '$f:' header"
done
[ "$(field 'Stable tag')" = "$version" ] || fail "Stable tag $(field 'Stable tag') is not the plugin Version $version"
[ "$(field 'Requires PHP')" = "$(header 'Requires PHP')" ] || fail "Requires PHP differs between readme.txt and the plugin header"
[ "$(field 'Requires at least')" = "$(header 'Requires at least')" ] || fail "Requires at least differs between readme.txt and the plugin header"
for s in Description Installation Changelog; do
  grep -qx "== $s ==" "$readme" || fail "$readme lacks the == $s == section"
done
grep -qx "= $version =" "$readme" || fail "the changelog has no entry = $version ="

stage=$(mktemp -d "${TMPDIR:-/tmp}/wpcrm-zip.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cp -R "$src" "$stage/wpcrm-connect"
find "$stage" \( -name '.*' -o -name '*~' \) -prune -exec rm -rf {} +
mkdir -p dist
zip_file="$PWD/dist/wpcrm-connect-$version.zip"
rm -f "$zip_file"
(cd "$stage" && zip -q -r -X "$zip_file" wpcrm-connect)
echo "dist/wpcrm-connect-$version.zip"
