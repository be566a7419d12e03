"""Unit tests for scripts/check-structure.py, from the repository root:
`python3 -m unittest scripts/test_check_structure.py` (or `python3 -m unittest discover -s scripts`)."""

import contextlib
import importlib.util
import io
import os
import tempfile
import textwrap
import unittest

_HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("check_structure", os.path.join(_HERE, "check-structure.py"))
cs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cs)


def scan(src):
    return cs.Scanned("x.rs", textwrap.dedent(src))


class StripTest(unittest.TestCase):
    def test_strings_chars_and_comments_are_blanked(self):
        src = 'let a = "{"; let b = \'{\'; let c = \'\\\'\'; // use crate::x {\n/* a /* b */ { */ x'
        code, _ = cs.strip_code(src)
        self.assertNotIn("{", code)
        self.assertNotIn("crate", code)
        self.assertEqual(len(code), len(src))
        self.assertTrue(code.endswith(" x"))

    def test_raw_and_byte_strings(self):
        code, strings = cs.strip_code('r#"{ "quoted" }"# b"{" br"}" b\'{\' r##"a"#b"##')
        self.assertNotIn("{", code)
        self.assertNotIn("}", code)
        self.assertIn("a\"#b", [s for _, s in strings])

    def test_lifetimes_are_not_char_literals(self):
        code, _ = cs.strip_code("fn f<'a>(x: &'a str) -> &'static str { 'outer: loop { break 'outer; } }")
        self.assertEqual(code.count("{"), 2)
        self.assertEqual(code.count("}"), 2)
        self.assertIn("'a", code)

    def test_newlines_inside_literals_are_kept(self):
        code, _ = cs.strip_code('let s = "a\nb";\n/* c\nd */ x')
        self.assertEqual(code.count("\n"), 3)


class FunctionTest(unittest.TestCase):
    def test_braces_in_literals_do_not_confuse_the_counter(self):
        sc = scan(
            """\
            impl X {
                pub async fn tricky<'a>(&'a self) -> &'a str {
                    let open = '{';
                    let s = "}}}";
                    let r = r#"}"#;
                    // }
                    /* } */
                    s
                }
                fn decl(&self);
            }
            fn after() {}
            """
        )
        self.assertEqual(cs.functions(sc), [("tricky", 2, 9), ("after", 12, 12)])

    def test_test_code_and_nested_fns_are_excluded(self):
        sc = scan(
            """\
            fn outer() {
                fn inner() {}
            }
            #[cfg(test)]
            mod tests {
                fn helper() {}
                #[test]
                fn t() {}
            }
            #[cfg(test)]
            fn only_in_tests() {}
            """
        )
        self.assertEqual(cs.functions(sc), [("outer", 1, 3)])

    def test_where_clause_and_fn_pointer_args(self):
        sc = scan(
            """\
            pub(crate) fn f<F>(g: fn(u8) -> u8, h: [u8; 2]) -> u8
            where
                F: Fn(u8),
            {
                g(h[0])
            }
            """
        )
        self.assertEqual(cs.functions(sc), [("f", 1, 6)])


class UseTreeTest(unittest.TestCase):
    def test_groups(self):
        got = cs.parse_use_tree("crate::{a, b::c, d::{self, e as f, *}}")
        self.assertEqual(got, [["crate", "a"], ["crate", "b", "c"], ["crate", "d"], ["crate", "d", "e"], ["crate", "d"]])

    def test_simple_and_super(self):
        self.assertEqual(cs.parse_use_tree("super::super::x::Y"), [["super", "super", "x", "Y"]])


def make_tree(files):
    root = tempfile.mkdtemp()
    for rel, text in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(textwrap.dedent(text))
    return root


def graph(files):
    root = make_tree(files)
    src = os.path.join(root, "src")
    mods = cs.discover_crate(src, os.path.join(src, "lib.rs"), lambda p: os.path.relpath(p, root), {})
    return mods, {(cs.name_of(a), cs.name_of(b)) for a, b, *_ in cs.module_edges(mods)}


class GraphTest(unittest.TestCase):
    def test_comments_strings_and_test_modules_are_not_edges(self):
        _, edges = graph(
            {
                "src/lib.rs": "pub mod a;\npub mod b;\n",
                "src/a.rs": "use crate::b::Thing;\n",
                "src/b.rs": """\
                    // use crate::a::X;
                    /// see [`crate::a::Y`]
                    const S: &str = "crate::a::Z";
                    #[cfg(test)]
                    mod tests { use crate::a::X; }
                    #[cfg(test)]
                    mod more;
                    """,
                "src/b/more.rs": "use crate::a::X;\n",
            }
        )
        self.assertEqual(edges, {("a", "b")})

    def test_longest_prefix_super_self_and_groups(self):
        mods, edges = graph(
            {
                "src/lib.rs": "pub mod dv;\npub mod p;\n",
                "src/dv/mod.rs": "pub mod client;\npub use client::Client;\n",
                "src/dv/client.rs": "use super::super::p::{self, Q};\nfn f() { self::g(); }\n",
                "src/p.rs": "fn f() -> crate::dv::client::Client { crate::dv::Other::new() }\n",
            }
        )
        self.assertEqual(edges, {("dv::client", "p"), ("p", "dv::client"), ("p", "dv")})
        self.assertEqual(set(mods[("dv",)].children), {"client"})

    def test_parent_using_child_is_an_edge_but_reexport_is_not(self):
        _, edges = graph(
            {
                "src/lib.rs": "pub mod p;\n",
                "src/p/mod.rs": "pub mod net;\npub use net::Net;\nfn f() { net::call(); }\n",
                "src/p/net.rs": "use super::Machine;\n",
            }
        )
        self.assertEqual(edges, {("p", "p::net"), ("p::net", "p")})

    def test_serde_with_attribute_is_an_edge(self):
        _, edges = graph(
            {
                "src/lib.rs": "pub mod a;\npub mod b;\n",
                "src/a.rs": '#[serde(with = "crate::b::ser")]\nstruct S;\n',
                "src/b.rs": "pub mod ser {}\n",
            }
        )
        self.assertEqual(edges, {("a", "b")})

    def test_cycles_at_both_granularities(self):
        mods, _ = graph(
            {
                "src/lib.rs": "pub mod g;\npub mod p;\n",
                "src/g.rs": "use crate::p::net::Net;\n",
                "src/p/mod.rs": "pub mod net;\nuse crate::g::Graph;\n",
                "src/p/net.rs": "pub struct Net;\n",
            }
        )
        edges = cs.module_edges(mods)
        fine, _, _ = cs.cycles_in(edges, lambda p: p)
        top, _, _ = cs.cycles_in(edges, cs.top_level)
        self.assertEqual(fine, [])
        self.assertEqual(top, [[("g",), ("p",)]])


class MainTest(unittest.TestCase):
    def run_main(self, files, *args):
        root = make_tree(files)
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            rc = cs.main(["--root", root] + list(args))
        return rc, buf.getvalue()

    def test_clean_tree_passes_and_limits_apply(self):
        files = {"src/lib.rs": "pub mod a;\nfn f() {\n    1;\n    2;\n}\n", "src/a.rs": "use crate::f;\n"}
        rc, out = self.run_main(files)
        self.assertEqual(rc, 0, out)
        rc, out = self.run_main(files, "--max-file-lines", "3")
        self.assertEqual(rc, 1)
        self.assertIn("src/lib.rs:1: 5 lines (> 3)", out)
        rc, out = self.run_main(files, "--max-file-lines", "3", "--report")
        self.assertEqual(rc, 0)

    def test_cycle_fails_with_file_and_line(self):
        files = {
            "src/lib.rs": "pub mod a;\npub mod b;\n",
            "src/a.rs": "\nuse crate::b::X;\n",
            "src/b.rs": "fn f() { crate::a::y() }\n",
        }
        rc, out = self.run_main(files)
        self.assertEqual(rc, 1)
        self.assertIn("src/a.rs:2: a -> b", out)
        self.assertIn("src/b.rs:1: b -> a", out)
        self.assertIn("mutual imports: a <-> b", out)


if __name__ == "__main__":
    unittest.main()
