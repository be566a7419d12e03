#!/usr/bin/env bash
# Formatting, lints and every Rust test (engine unit tests, sandbox integration tests, engine against
# the sandbox). The engine's tests need no PHP.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
# The layout rules of docs/architecture.md: no module cycles, no source file over 600 lines, no engine
# function over 80 lines. The checker's own tests first, so a broken checker cannot pass everything.
python3 -m unittest discover -s scripts -p 'test_check_structure.py'
python3 scripts/check-structure.py
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
