# The two commands of the README. Everything else is a script under scripts/ or tests/.
.PHONY: demo test build install dist

# Installs what is missing, builds, starts the sandbox and runs "Set up automatically" end to end (sign-in
# approved by the sandbox, each step, the values filled in, the verification), then again to show reuse.
# WORDPRESS=1 then also serves a WordPress with the plugin against the sandbox until Ctrl-C.
WORDPRESS ?=
demo:
	./scripts/demo.sh
	@if [ -n "$(WORDPRESS)" ]; then ./scripts/wordpress-demo.sh; fi

# Runs every test suite (what CI runs).
test:
	./scripts/test.sh

# Release build of the extension and the sandbox.
build:
	./scripts/install-deps.sh
	cargo build --release -p wpcrm -p wpcrm-sandbox

# Installs the extension into the system PHP (copies the .so, writes mods-available/wpcrm.ini, phpenmod).
install: build
	./scripts/install-extension.sh

# Packages under dist/: the extension as a Debian package for PHP_CONFIG's PHP (default Debian 12's 8.2)
# and the plugin as a WordPress zip (packaging/; tested by tests/packaging/run.sh).
dist:
	./scripts/install-deps.sh
	./packaging/build-deb.sh
	./packaging/build-plugin-zip.sh
