#!/usr/bin/env bash
# Formatting, lints and every Rust test (engine unit tests, sandbox integration tests, engine against
# the sandbox). The engine's tests need no PHP.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
