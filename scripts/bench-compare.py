#!/usr/bin/env python3
"""Runs the engine's benchmarks of two revisions side by side, alternating, in one run.

    scripts/bench-compare.py [--base REV] [--rounds N] [--runs N] [--latency-ms MS]

Builds `bench_verify` and `bench_provision` (release) for REV (default: origin/main's merge base,
or HEAD~1) in a temporary worktree and for the working tree, then runs them in turns
(base, head, base, head, ...) so that both meet the same machine load, and prints the median of
each measured figure over the rounds. A shared, noisy 2-core machine moves single runs by tens of
milliseconds; compare medians, and read a difference under ~10% as noise.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench-compare")
EXAMPLES = ["bench_verify", "bench_provision"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, **kw)


def build(tree, label):
    """Builds the examples in `tree` and copies the binaries to OUT/<label>-<example>."""
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target"))
    args = ["cargo", "build", "--release", "-q", "-p", "wpcrm-core"]
    for e in EXAMPLES:
        args += ["--example", e]
    run(args, cwd=tree, env=env)
    for e in EXAMPLES:
        shutil.copy2(os.path.join(ROOT, "target", "release", "examples", e), os.path.join(OUT, f"{label}-{e}"))


# Each benchmark's output lines, and the figures a line gives: (pattern, [(name template, group)]).
VERIFY_ROW = (r"\s*(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)x", [("verify, {1} tables (ms)", 3)])
DOP_ROW = (
    r"\s*x-ms-dop-hint\s+(\S+): (\d+) requests, peak (\d+) in flight, wall median (\d+) ms",
    [("verify, 60 tables, dop hint {1} (ms)", 4), ("verify, 60 tables, dop hint {1}, peak", 3)],
)
PROVISION_ROW = (
    r"\s*(wpcrm \(concurrent\)|one by one): +(\d+) requests, +(\d+) sequential round trips, wall median +(\d+) ms",
    [("provision, {1} (ms)", 4), ("provision, {1} round trips", 3)],
)


def figures(text, row):
    """The named figures of every line of `text` that matches `row`."""
    pattern, names = row
    found = {}
    for line in text.splitlines():
        m = re.match(pattern, line)
        for template, group in names if m else []:
            found[template.format(*[None] + list(m.groups()))] = float(m.group(group))
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", default="HEAD~1")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--runs", type=int, default=5, help="runs per benchmark invocation")
    p.add_argument("--latency-ms", type=int, default=50)
    a = p.parse_args()

    os.makedirs(OUT, exist_ok=True)
    base_tree = os.path.join(OUT, "base-tree")
    if os.path.exists(base_tree):
        run(["git", "worktree", "remove", "--force", base_tree], cwd=ROOT)
    run(["git", "worktree", "add", "-q", "--detach", base_tree, a.base], cwd=ROOT)
    try:
        print(f"building {a.base} and the working tree (release)...", flush=True)
        build(base_tree, "base")
        build(ROOT, "head")
    finally:
        run(["git", "worktree", "remove", "--force", base_tree], cwd=ROOT)

    figures = {"base": {}, "head": {}}
    for r in range(a.rounds):
        for label in ("base", "head"):
            print(f"round {r + 1}/{a.rounds}: {label}", flush=True)
            v = run([os.path.join(OUT, f"{label}-bench_verify"), "--runs", str(a.runs), "--latency-ms", str(a.latency_ms)],
                    capture_output=True).stdout
            pr = run([os.path.join(OUT, f"{label}-bench_provision"), str(a.latency_ms), str(a.runs)],
                     capture_output=True).stdout
            for k, val in {**figures(v, VERIFY_ROW), **figures(v, DOP_ROW), **figures(pr, PROVISION_ROW)}.items():
                figures[label].setdefault(k, []).append(val)

    print()
    print(f"{'figure (median of ' + str(a.rounds) + ' rounds)':<46} {'base':>9} {'head':>9} {'head/base':>10}")
    for k in dict.fromkeys([*figures["base"], *figures["head"]]):
        b = statistics.median(figures["base"].get(k, [float("nan")]))
        h = statistics.median(figures["head"].get(k, [float("nan")]))
        print(f"{k:<46} {b:>9.1f} {h:>9.1f} {h / b if b else float('nan'):>9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
