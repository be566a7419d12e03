#!/usr/bin/env python3
"""Structure checks for the wpcrm Rust workspace (run by CI; Python 3 standard library only).

Rules (each finding is printed as `path:line: message`; exit status 1 if any rule fails):

  1. cycles    No import cycles among the modules of a crate (crates/wpcrm-core/src,
               crates/wpcrm-sandbox/src, src/), checked at two granularities: the full module
               graph (`a::b` is its own node) and top-level modules (`a::b` collapsed into `a`).
  2. file-len  No .rs file under crates/*/src or src/ longer than --max-file-lines (default 600).
               Test-only files (a `tests.rs` declared `#[cfg(test)] mod tests;`) are counted but
               only warned about.
  3. fn-len    In crates/wpcrm-core/src, no function longer than --max-fn-lines (default 80),
               measured from the `fn` line to its closing brace; test code is excluded.

`--report` prints every number behind the rules and always exits 0.

How the module graph is built
  * Nodes: the crate root (lib.rs, or main.rs when there is no lib.rs; a main.rs next to a lib.rs
    is its own binary crate) and every file module reached through `mod x;` declarations
    (`x.rs` or `x/mod.rs`; `x/y.rs` is `x::y`). Modules declared `#[cfg(test)]` and everything
    in them are left out. Inline `mod x { ... }` blocks are not nodes: a `#[cfg(test)]` one is
    skipped entirely, any other one counts as part of the file that contains it.
  * Edges, from code only (comments, strings and char literals are blanked first):
    `crate::`/`$crate::`/`super::`/`self::` paths anywhere, `use` trees with `{...}` groups, and
    paths that start with the name of one of the current module's own child modules (`net::Net`
    in `provision/mod.rs`; that is how a parent uses its children's items). A path resolves to the
    longest prefix that is an existing module; references to the module itself are dropped.
    One deliberate exception to "not in strings": serde's `with = "crate::a::b"` style
    attributes name a real path the compiler resolves, so they are edges too.
  * Not edges: `mod x;` declarations and `pub use` re-exports of the module's own descendants
    (a parent declaring and re-exporting its children is structure, not dependency).
"""

import argparse
import bisect
import os
import re
import sys

# --------------------------------------------------------------------------------------------
# Lexing: blank comments, strings and char literals (keeping newlines and offsets)
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"""//|/\*|(?<!\w)(?:br|cr|r)#*"|(?<!\w)[bc]"|(?<!\w)b'|"|'""")
_BLOCK_RE = re.compile(r"/\*|\*/")
_STRING_BODY_RE = re.compile(r'(?:[^"\\]|\\.)*"?', re.S)
_CHAR_RE = re.compile(r"(?:\\u\{[0-9A-Fa-f_]*\}|\\.|[^\\\n'])'", re.S)
_NOT_NEWLINE_RE = re.compile(r"[^\n]")


def _blank(text):
    return _NOT_NEWLINE_RE.sub(" ", text)


def strip_code(src):
    """Return (code, strings): `code` is `src` with every comment, string literal and char literal
    replaced by spaces (newlines kept, so offsets and line numbers stay valid); `strings` is a list
    of (offset, content) for each string literal (used for serde path attributes).

    A `'` starts a char literal only when it is `'x'`, `'\\n'`, `'\\''` or `'\\u{..}'`; otherwise
    it is a lifetime or a label (`'a`, `'static`, `'outer:`) and stays code."""
    n = len(src)
    pieces = []
    strings = []
    i = 0
    while True:
        m = _TOKEN_RE.search(src, i)
        if not m:
            pieces.append(src[i:])
            break
        s, tok = m.start(), m.group()
        pieces.append(src[i:s])
        if tok == "//":
            j = src.find("\n", s)
            j = n if j < 0 else j
        elif tok == "/*":
            depth, j = 1, m.end()
            while depth:
                b = _BLOCK_RE.search(src, j)
                if not b:
                    j = n
                    break
                depth += 1 if b.group() == "/*" else -1
                j = b.end()
        elif tok.endswith('"') and "r" in tok:
            close = '"' + "#" * tok.count("#")
            j = src.find(close, m.end())
            j = n if j < 0 else j + len(close)
            strings.append((s, src[m.end():j - len(close)]))
        elif tok.endswith('"'):
            j = _STRING_BODY_RE.match(src, m.end()).end()
            strings.append((s, src[m.end():j - 1]))
        else:  # ' or b'
            c = _CHAR_RE.match(src, m.end())
            if not c:
                pieces.append(tok)  # lifetime or label
                i = m.end()
                continue
            j = c.end()
        pieces.append(_blank(src[s:j]))
        i = j
    return "".join(pieces), strings


class Lines:
    """Offset -> 1-based line number."""

    def __init__(self, text):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset):
        return bisect.bisect_right(self.starts, offset)


def match_brace(code, open_pos):
    """Offset of the `}` matching the `{` at open_pos in blanked code (len(code) if unbalanced)."""
    depth = 0
    for k in range(open_pos, len(code)):
        ch = code[k]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return k
    return len(code)


_QUALS = r"(?:pub(?:\s*\([^)]*\))?|const|async|unsafe|extern(?:\s*\"\w*\")?|default)"
MOD_RE = re.compile(r"\bmod\s+(?:r#)?(\w+)\s*([;{])")
FN_RE = re.compile(r"\bfn\s+(?:r#)?(\w+)")
_QUALS_BEFORE_RE = re.compile(r"(?<![\w$])(?:" + _QUALS + r"\s+)*\Z")


def attrs_before(code, pos):
    """The outer attributes (`#[...]` ...) written before the item whose keyword is at `pos`
    (skipping qualifiers such as `pub(crate)`, `async`, `const`)."""
    m = _QUALS_BEFORE_RE.search(code, max(0, pos - 60), pos)
    k = m.start() if m else pos
    attrs = []
    while True:
        j = k - 1
        while j >= 0 and code[j].isspace():
            j -= 1
        if j < 0 or code[j] != "]":
            break
        depth = 0
        while j >= 0:
            if code[j] == "]":
                depth += 1
            elif code[j] == "[":
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        start = j - 1 if j >= 1 and code[j - 1] == "#" else -1
        if start < 0:
            break
        attrs.append(code[start:k])
        k = start
    return "".join(reversed(attrs))


CFG_RE = re.compile(r"#\[\s*cfg\s*\((.*)\)\s*\]", re.S)


def is_test_attrs(attrs):
    """True if an attribute list marks its item as test-only (#[test], #[cfg(test)], #[cfg(all(test, ..))])."""
    for a in re.findall(r"#\[[^\]]*\]", attrs):
        if re.match(r"#\[\s*(?:tokio::)?test\b", a):
            return True
        m = CFG_RE.match(a)
        if m and re.search(r"\btest\b", m.group(1)) and "not" not in m.group(1) and "any" not in m.group(1):
            return True
    return False


class Scanned:
    """One source file, lexed once: blanked code, inline module ranges, `mod x;` declarations."""

    def __init__(self, path, src):
        self.path = path
        self.src = src
        self.code, self.strings = strip_code(src)
        self.lines = Lines(src)
        self.n_lines = src.count("\n") + (0 if src.endswith("\n") or not src else 1)
        self.inline = []  # (start, end, name, is_test)
        self.decls = []  # (name, is_test, line)
        for m in MOD_RE.finditer(self.code):
            name, kind = m.group(1), m.group(2)
            test = is_test_attrs(attrs_before(self.code, m.start()))
            if kind == ";":
                if not any(s <= m.start() < e for s, e, _, _ in self.inline):
                    self.decls.append((name, test, self.lines.line(m.start(1))))
            else:
                open_pos = m.end() - 1
                self.inline.append((m.start(), match_brace(self.code, open_pos), name, test))

    def in_test(self, pos):
        return any(t and s <= pos <= e for s, e, _, t in self.inline)

    def inline_stack(self, pos):
        return [name for s, e, name, t in sorted(self.inline) if not t and s < pos <= e]


# --------------------------------------------------------------------------------------------
# Rule 1: module graph and cycles
# --------------------------------------------------------------------------------------------


class Module:
    def __init__(self, path, file, scanned, is_test):
        self.path = path  # tuple of segments; () is the crate root
        self.file = file
        self.scanned = scanned
        self.is_test = is_test
        self.children = {}  # name -> tuple path


def name_of(path):
    return "::".join(path) if path else "crate"


def discover_crate(src_dir, root_file, rel, cache):
    """Modules of the crate rooted at root_file, following `mod x;` declarations."""
    modules = {}

    def visit(path, file, is_test):
        sc = cache.get(file)
        if sc is None:
            with open(file, encoding="utf-8") as f:
                sc = cache[file] = Scanned(rel(file), f.read())
        mod = Module(path, file, sc, is_test)
        modules[path] = mod
        base = os.path.basename(file)
        if path == () or base == "mod.rs":
            child_dir = os.path.dirname(file)
        else:
            child_dir = os.path.join(os.path.dirname(file), base[:-3])
        for name, test, _line in sc.decls:
            for cand in (os.path.join(child_dir, name + ".rs"), os.path.join(child_dir, name, "mod.rs")):
                if os.path.isfile(cand):
                    mod.children[name] = path + (name,)
                    visit(path + (name,), cand, is_test or test)
                    break

    visit((), root_file, False)
    return modules


USE_RE = re.compile(r"(?<![\w$])(pub(?:\s*\([^)]*\))?\s+)?use\s+([^;]*);")
def path_re(heads):
    """Paths (`a::b::c`, not preceded by `::`, `.` or an identifier) whose first segment is one of
    `heads`; group 1 is a leading `::` (an external crate), group 2 the head, group 3 the rest."""
    alts = "|".join(re.escape(h) for h in sorted(heads, key=len, reverse=True))
    return re.compile(
        r"(?<![\w$:.])(::\s*)?(" + alts + r")((?:\s*::\s*(?:r#)?[A-Za-z_]\w*)+)"
    )
SERDE_KEY_RE = re.compile(r"\b(?:with|serialize_with|deserialize_with|default|skip_serializing_if)\s*=\s*$")
PUB_IN_RE = re.compile(r"pub\s*\(\s*in\s*$")


def parse_use_tree(text):
    """Expand a use tree (`crate::{a, b::{c, self}}`) into a list of segment lists."""
    toks = re.findall(r"::|[{},*]|\$?(?:r#)?\w+", text)
    pos = 0

    def tree(prefix):
        nonlocal pos
        out = []
        segs = list(prefix)
        while pos < len(toks):
            t = toks[pos]
            if t == "::":
                pos += 1
            elif t == "{":
                pos += 1
                while pos < len(toks) and toks[pos] != "}":
                    if toks[pos] == ",":
                        pos += 1
                        continue
                    out.extend(tree(segs))
                pos += 1
                return out
            elif t in (",", "}"):
                break
            elif t == "*":
                pos += 1
            elif t == "as":
                pos += 2
            elif t == "self" and segs:
                pos += 1  # `a::{self}` is `a`
            else:
                segs.append(t.replace("r#", ""))
                pos += 1
        out.append(segs)
        return out

    result = []
    while pos < len(toks):
        if toks[pos] == ",":
            pos += 1
            continue
        before = pos
        result.extend(tree([]))
        if pos == before:
            pos += 1
    return [p for p in result if p]


def resolve(segs, cur_file_path, inline_stack, children, known, absolute=False):
    """Absolute module path a path (list of segments) points into, or None if it leaves the crate."""
    if absolute:
        return None  # `::name` is an external crate
    first = segs[0]
    if first in ("crate", "$crate"):
        base, rest = [], segs[1:]
    elif first in ("super", "self"):
        logical = list(cur_file_path) + list(inline_stack)
        rest = list(segs)
        if rest[0] == "self":
            rest = rest[1:]
        while rest and rest[0] == "super":
            if not logical:
                return None
            logical.pop()
            rest = rest[1:]
        base = logical
    elif not inline_stack and first in children:
        base, rest = list(cur_file_path), list(segs)
    else:
        return None
    full = base + rest
    for k in range(len(full), -1, -1):
        if tuple(full[:k]) in known:
            return tuple(full[:k])
    return ()


def module_edges(modules):
    """List of (src, dst, file, line, text) for every inter-module reference in non-test modules."""
    known = {p for p, m in modules.items() if not m.is_test}
    edges = []
    for path, mod in modules.items():
        if mod.is_test:
            continue
        sc = mod.scanned
        code = sc.code
        use_spans = []

        def add(segs, pos, text, absolute=False, reexport=False):
            if sc.in_test(pos):
                return
            stack = sc.inline_stack(pos)
            dst = resolve(segs, path, stack, mod.children, known, absolute)
            if dst is None or dst == path:
                return
            if reexport and dst[: len(path)] == path:
                return  # `pub use child::Item`: the parent re-exporting its own subtree
            edges.append((path, dst, sc.path, sc.lines.line(pos), " ".join(text.split())))

        for m in USE_RE.finditer(code):
            use_spans.append((m.start(), m.end()))
            body = m.group(2)
            absolute = body.lstrip().startswith("::")
            for segs in parse_use_tree(body):
                add(segs, m.start(), "use " + "::".join(segs), absolute, reexport=bool(m.group(1)))
        use_starts = [a for a, _ in use_spans]
        for m in path_re(["$crate", "crate", "super", "self"] + list(mod.children)).finditer(code):
            k = bisect.bisect_right(use_starts, m.start()) - 1
            if k >= 0 and m.start() < use_spans[k][1]:
                continue
            if PUB_IN_RE.search(code, max(0, m.start() - 12), m.start()):
                continue  # `pub(in crate::a)` is visibility, not a dependency
            segs = [m.group(2).replace("r#", "")] + re.findall(r"\w+", m.group(3).replace("r#", ""))
            add(segs, m.start(), m.group(0), absolute=bool(m.group(1)))
        for off, content in sc.strings:
            if re.fullmatch(r"(?:\$?crate|super|self)(?:::\w+)+", content) and SERDE_KEY_RE.search(
                code, max(0, off - 40), off
            ):
                add(content.split("::"), off, 'serde "%s"' % content)
    return edges


def tarjan(nodes, adj):
    """Strongly connected components (iterative Tarjan)."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(adj.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(adj.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    return comps


def cycles_in(edges, key):
    """SCCs with more than one node after mapping each module through `key`."""
    adj, nodes, evidence = {}, set(), {}
    for src, dst, f, line, text in edges:
        a, b = key(src), key(dst)
        if a == b:
            continue
        nodes.update((a, b))
        adj.setdefault(a, set()).add(b)
        evidence.setdefault((a, b), []).append((f, line, text))
    comps = [c for c in tarjan(sorted(nodes), adj) if len(c) > 1]
    return comps, evidence, sum(len(v) for v in adj.values())


def top_level(path):
    return path[:1]


def check_cycles(crates, out, report):
    failed = False
    total_mods = total_edges = 0
    for crate_name, modules in crates:
        edges = module_edges(modules)
        printed = []
        n_mods = sum(1 for m in modules.values() if not m.is_test)
        total_mods += n_mods
        total_edges += len(edges)
        for label, key in (("module", lambda p: p), ("top-level module", top_level)):
            comps, evidence, n_unique = cycles_in(edges, key)
            if report:
                out.append(
                    "  %s: %d modules, %d references, %d distinct %s edges, %d %s cycle(s)"
                    % (crate_name, n_mods, len(edges), n_unique, label, len(comps), label)
                )
            for comp in comps:
                failed = True
                members = set(comp)
                out.append(
                    "  %s: %s cycle among %d: %s"
                    % (crate_name, label, len(comp), ", ".join(name_of(c) for c in comp))
                )
                pairs = sorted((a, b) for (a, b) in evidence if a < b and (b, a) in evidence and a in members)
                if pairs:
                    out.append("    mutual imports: " + ", ".join("%s <-> %s" % (name_of(a), name_of(b)) for a, b in pairs))
                if members in printed:
                    out.append("    (same modules and edges as the cycle above)")
                    continue
                printed.append(members)
                for (a, b), ev in sorted(evidence.items()):
                    if a in members and b in members:
                        f, line, text = min(ev, key=lambda e: e[1])
                        more = " (+%d more)" % (len(ev) - 1) if len(ev) > 1 else ""
                        out.append("    %s:%d: %s -> %s  [%s]%s" % (f, line, name_of(a), name_of(b), text, more))
    summary = "%d modules, %d cross-module references" % (total_mods, total_edges)
    return failed, summary


# --------------------------------------------------------------------------------------------
# Rules 2 and 3: file and function length
# --------------------------------------------------------------------------------------------


def check_file_lengths(files, test_files, limit, out, report):
    failed = False
    rows = sorted(((sc.n_lines, sc.path) for sc in files), reverse=True)
    for n, p in rows:
        if n > limit:
            if p in test_files:
                out.append("  %s:1: warning: %d lines (> %d), test module, allowed" % (p, n, limit))
            else:
                failed = True
                out.append("  %s:1: %d lines (> %d)" % (p, n, limit))
    if report:
        out.append("  longest files:")
        for n, p in rows[:15]:
            out.append("    %5d  %s%s" % (n, p, "  (test module)" if p in test_files else ""))
    over = sum(1 for n, p in rows if n > limit and p not in test_files)
    return failed, "%d files, %d over %d lines" % (len(rows), over, limit)


def functions(sc):
    """(name, first_line, last_line) of every non-test function with a body that is not nested in
    another function's body."""
    code = sc.code
    found = []
    body_end = -1
    for m in FN_RE.finditer(code):
        if m.start() <= body_end:
            continue  # nested inside the previous function's body
        # find the body: the first `{` (or `;` for a bodyless declaration) outside parens/brackets
        depth = 0
        k = m.end()
        while k < len(code):
            ch = code[k]
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth -= 1
            elif depth == 0 and ch in "{;":
                break
            k += 1
        if k >= len(code) or code[k] == ";":
            continue
        end = match_brace(code, k)
        body_end = end
        if is_test_attrs(attrs_before(code, m.start())) or sc.in_test(m.start()):
            continue
        found.append((m.group(1), sc.lines.line(m.start()), sc.lines.line(end)))
    return found




def check_fn_lengths(files, limit, out, report):
    failed = False
    rows = []
    for sc in files:
        for name, a, b in functions(sc):
            rows.append((b - a + 1, sc.path, a, name))
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    for n, p, line, name in rows:
        if n > limit:
            failed = True
            out.append("  %s:%d: fn %s is %d lines (> %d)" % (p, line, name, n, limit))
    if report:
        out.append("  longest functions:")
        for n, p, line, name in rows[:10]:
            out.append("    %5d  %s:%d fn %s" % (n, p, line, name))
    over = sum(1 for r in rows if r[0] > limit)
    return failed, "%d functions, %d over %d lines" % (len(rows), over, limit)


# --------------------------------------------------------------------------------------------


CRATE_DIRS = ["crates/wpcrm-core/src", "crates/wpcrm-sandbox/src", "src"]
ENGINE_DIR = "crates/wpcrm-core/src"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--root",
        default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        help="workspace root (default: the parent of scripts/)",
    )
    ap.add_argument("--max-file-lines", type=int, default=600)
    ap.add_argument("--max-fn-lines", type=int, default=80)
    ap.add_argument("--report", action="store_true", help="print all numbers; always exit 0")
    ap.add_argument("--edges", action="store_true", help="also print every module-graph edge")
    args = ap.parse_args(argv)
    root = args.root

    def rel(p):
        return os.path.relpath(p, root)

    cache = {}
    crates = []
    crate_dirs = []
    for d in CRATE_DIRS:
        full = os.path.join(root, d)
        if os.path.isdir(full):
            crate_dirs.append(full)
    for extra in sorted(os.listdir(os.path.join(root, "crates"))) if os.path.isdir(os.path.join(root, "crates")) else []:
        full = os.path.join(root, "crates", extra, "src")
        if os.path.isdir(full) and full not in crate_dirs:
            crate_dirs.append(full)
    for full in crate_dirs:
        roots = [r for r in ("lib.rs", "main.rs") if os.path.isfile(os.path.join(full, r))]
        claimed = set()
        for r in roots:
            mods = discover_crate(full, os.path.join(full, r), rel, cache)
            mods = {p: m for p, m in mods.items() if p == () or m.file not in claimed}
            claimed.update(m.file for m in mods.values())
            crates.append(("%s (%s)" % (rel(full), r), mods))

    # every .rs file under the source dirs, whether or not a crate root reaches it
    all_files = []
    for full in crate_dirs:
        for dirpath, _dirs, names in os.walk(full):
            for nm in sorted(names):
                if nm.endswith(".rs"):
                    p = os.path.join(dirpath, nm)
                    if p not in cache:
                        with open(p, encoding="utf-8") as f:
                            cache[p] = Scanned(rel(p), f.read())
                    all_files.append(cache[p])
    test_files = {m.scanned.path for _, mods in crates for m in mods.values() if m.is_test}
    reached = {m.scanned.path for _, mods in crates for m in mods.values()}

    out = []
    results = []
    lines = []
    failed, summary = check_cycles(crates, lines, args.report)
    results.append(("no module cycles", failed, summary, lines))
    if args.edges:
        for crate_name, mods in crates:
            lines.append("  %s edges:" % crate_name)
            for src, dst, f, line, text in module_edges(mods):
                lines.append("    %s:%d: %s -> %s  [%s]" % (f, line, name_of(src), name_of(dst), text))
    lines = []
    failed, summary = check_file_lengths(all_files, test_files, args.max_file_lines, lines, args.report)
    results.append(("file length", failed, summary, lines))
    lines = []
    engine = os.path.join(root, ENGINE_DIR) + os.sep
    engine_files = [sc for p, sc in sorted(cache.items()) if p.startswith(engine) and sc.path not in test_files]
    failed, summary = check_fn_lengths(engine_files, args.max_fn_lines, lines, args.report)
    results.append(("function length (%s)" % ENGINE_DIR, failed, summary, lines))

    for sc in all_files:
        if sc.path not in reached:
            out.append("note: %s is not reached by any `mod` declaration; not in the module graph" % sc.path)
    any_failed = False
    for i, (title, failed, summary, lines) in enumerate(results, 1):
        any_failed |= failed
        out.append("[%s] rule %d, %s: %s" % ("FAIL" if failed else "ok", i, title, summary))
        out.extend(lines)
    print("\n".join(out))
    if args.report:
        return 0
    print("structure check: %s" % ("FAILED" if any_failed else "passed"))
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main())
