import unittest

from inifile.parser import IniError, IniFile, parse, parse_bool, parse_list

SAMPLE = """
# a comment
[DEFAULT]
timeout = 30

[server]
host = example.org
port: 8080
debug = yes ; inline comment
name = "quoted value"
paths = /a, /b,  /c

[client]
retries = 0x10
ratio = 0.75
motd = first line
    second line
"""


class TestParse(unittest.TestCase):
    def test_sections_in_order(self):
        self.assertEqual(parse(SAMPLE).sections(), ["server", "client"])

    def test_simple_value(self):
        self.assertEqual(parse(SAMPLE).get("server", "host"), "example.org")

    def test_colon_separator(self):
        self.assertEqual(parse(SAMPLE).get("server", "port"), "8080")

    def test_inline_comment_removed(self):
        self.assertEqual(parse(SAMPLE).get("server", "debug"), "yes")

    def test_hash_without_space_is_kept(self):
        ini = parse("[a]\ncolor = #ff0000\nurl = x#y\n")
        self.assertEqual(ini.get("a", "color"), "#ff0000")
        self.assertEqual(ini.get("a", "url"), "x#y")

    def test_quotes_removed(self):
        self.assertEqual(parse(SAMPLE).get("server", "name"), "quoted value")

    def test_single_quote_char_kept(self):
        self.assertEqual(parse("[a]\nq = '\n").get("a", "q"), "'")

    def test_keys_case_insensitive(self):
        ini = parse("[a]\nKey = 1\n")
        self.assertEqual(ini.get("a", "KEY"), "1")

    def test_default_section_fallback(self):
        self.assertEqual(parse(SAMPLE).get("client", "timeout"), "30")

    def test_fallback_value(self):
        self.assertEqual(parse(SAMPLE).get("client", "missing", "x"), "x")

    def test_continuation_lines(self):
        self.assertEqual(parse(SAMPLE).get("client", "motd"), "first line\nsecond line")

    def test_value_may_contain_equals(self):
        self.assertEqual(parse("[a]\nexpr = x=1\n").get("a", "expr"), "x=1")

    def test_first_separator_wins(self):
        self.assertEqual(parse("[a]\nurl = http://h\n").get("a", "url"), "http://h")

    def test_key_outside_section(self):
        with self.assertRaises(IniError) as caught:
            parse("x = 1\n")
        self.assertEqual(caught.exception.line, 1)

    def test_unclosed_header(self):
        with self.assertRaises(IniError) as caught:
            parse("[a]\nx = 1\n[b\n")
        self.assertEqual(caught.exception.line, 3)

    def test_empty_section_name(self):
        with self.assertRaises(IniError):
            parse("[ ]\n")

    def test_missing_separator(self):
        with self.assertRaises(IniError) as caught:
            parse("[a]\n\njust words\n")
        self.assertEqual(caught.exception.line, 3)

    def test_empty_key(self):
        with self.assertRaises(IniError):
            parse("[a]\n= 3\n")

    def test_duplicate_section_rejected(self):
        with self.assertRaises(IniError):
            parse("[a]\nx=1\n[a]\ny=2\n")

    def test_duplicate_section_allowed(self):
        ini = parse("[a]\nx=1\n[a]\ny=2\n", allow_duplicates=True)
        self.assertEqual(ini.items("a"), [("x", "1"), ("y", "2")])

    def test_comment_lines_skipped(self):
        ini = parse("; c\n[a]\n# d\nx = 1\n")
        self.assertEqual(ini.items("a"), [("x", "1")])


class TestTyped(unittest.TestCase):
    def test_getint_hex(self):
        self.assertEqual(parse(SAMPLE).getint("client", "retries"), 16)

    def test_getint_fallback(self):
        self.assertEqual(parse(SAMPLE).getint("client", "nothing", 7), 7)

    def test_getint_from_default(self):
        self.assertEqual(parse(SAMPLE).getint("server", "timeout"), 30)

    def test_getfloat(self):
        self.assertAlmostEqual(parse(SAMPLE).getfloat("client", "ratio"), 0.75)

    def test_getbool(self):
        self.assertTrue(parse(SAMPLE).getbool("server", "debug"))

    def test_getbool_missing_is_false(self):
        self.assertFalse(parse(SAMPLE).getbool("server", "verbose"))

    def test_getlist(self):
        self.assertEqual(parse(SAMPLE).getlist("server", "paths"), ["/a", "/b", "/c"])

    def test_getlist_missing(self):
        self.assertEqual(parse(SAMPLE).getlist("server", "nope"), [])

    def test_parse_bool_words(self):
        for word in ("1", "Yes", "TRUE", "on"):
            self.assertTrue(parse_bool(word))
        for word in ("0", "no", "False", "OFF"):
            self.assertFalse(parse_bool(word))

    def test_parse_bool_rejects(self):
        with self.assertRaises(ValueError):
            parse_bool("maybe")

    def test_parse_list_separator(self):
        self.assertEqual(parse_list("a; b;;c", ";"), ["a", "b", "c"])

    def test_parse_list_blank(self):
        self.assertEqual(parse_list("   "), [])


class TestIniFile(unittest.TestCase):
    def test_set_creates_section(self):
        ini = IniFile()
        ini.set("s", "K", 5)
        self.assertEqual(ini.get("s", "k"), "5")

    def test_add_section_twice(self):
        ini = IniFile()
        ini.add_section("s")
        with self.assertRaises(ValueError):
            ini.add_section("s")

    def test_remove_key(self):
        ini = parse("[a]\nx = 1\n")
        self.assertTrue(ini.remove_key("a", "X"))
        self.assertFalse(ini.remove_key("a", "x"))
        self.assertFalse(ini.remove_key("zzz", "x"))

    def test_remove_section(self):
        ini = parse("[a]\nx = 1\n")
        self.assertTrue(ini.remove_section("a"))
        self.assertFalse(ini.has_section("a"))
        self.assertFalse(ini.remove_section("a"))

    def test_items_merge_defaults(self):
        items = parse(SAMPLE).items("server")
        self.assertIn(("timeout", "30"), items)
        self.assertIn(("host", "example.org"), items)

    def test_roundtrip(self):
        ini = parse(SAMPLE)
        again = parse(ini.to_text())
        for section in ini.sections():
            self.assertEqual(again.items(section), ini.items(section))

    def test_to_text_empty(self):
        self.assertEqual(IniFile().to_text(), "")

    def test_to_text_layout(self):
        ini = IniFile()
        ini.set("a", "x", "1")
        ini.set("b", "y", "2")
        self.assertEqual(ini.to_text(), "[a]\nx = 1\n\n[b]\ny = 2\n")


if __name__ == "__main__":
    unittest.main()
