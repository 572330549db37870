"""Untrusted text made inert for the terminal."""

from __future__ import annotations

import math

import pytest

from explorer.core.sanitize import (
    escape_markup,
    format_int,
    safe_text,
    safe_value,
    scalar_text,
    summary,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07"),  # ESC, OSC title, BEL
        ("a\x00b", "a\\x00b"),  # NUL
        ("del\x7f", "del\\x7f"),  # DEL
        ("\x9b31m", "\\x9b31m"),  # C1 CSI
        ("\x85next", "\\x85next"),  # C1 NEL
        ("one\ntwo", "one\\ntwo"),
        ("tab\there", "tab\\there"),
        ("over\rwrite", "over\\rwrite"),
        ("price \u202e0001", "price \\u202e0001"),  # RLO
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
        ("\u2066iso\u2069", "\\u2066iso\\u2069"),
        ("zero\u200bwidth\u200c\u200d\u200e\u200f", "zero\\u200bwidth\\u200c\\u200d\\u200e\\u200f"),
        ("\ufeffbom", "\\ufeffbom"),
        ("word\u2060joiner", "word\\u2060joiner"),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone \ud800 surrogate \udfff", "lone \\ud800 surrogate \\udfff"),
        ("naïve café 東京 🙂", "naïve café 東京 🙂"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_hostile_characters_become_visible_escapes(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown
    safe_text(raw).encode("utf-8")


def test_multi_line_mode_keeps_newlines_and_tabs_only() -> None:
    assert safe_text("a\nb\tc\rd\x1b", single_line=False) == "a\nb\tc\\rd\\x1b"
    assert safe_text("x\u202ey", single_line=False) == "x\\u202ey"


def test_truncation_counts_hidden_characters() -> None:
    s = "x" * 12_445
    assert safe_text(s, max_len=100) == "x" * 100 + "… (+12,345 chars)"
    assert safe_text("short", max_len=100) == "short"
    assert safe_text("abc", max_len=0) == "… (+3 chars)"
    assert safe_text("abc", max_len=-5) == "… (+3 chars)"
    # escapes are applied after cutting, so a hostile tail costs nothing
    assert safe_text("ab\x1b" * 1000, max_len=3) == "ab\\x1b… (+2,997 chars)"


def test_fast_path_returns_plain_text_unchanged() -> None:
    s = "Total due: $1,234.00"
    assert safe_text(s) is s
    big = "y" * 1_000_000
    assert safe_text(big) is big


def test_non_str_input_is_tolerated() -> None:
    assert safe_text(12) == "12"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("text\n", "text\\n"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        ({}, "{}"),
        ({"a": 1}, "{1 key}"),
        ({"a": 1, "b": 2, "c": 3}, "{3 keys}"),
        ([], "[]"),
        ([1], "[1 item]"),
        (list(range(10000)), "[10000 items]"),
    ],
)
def test_safe_value(value, shown: str) -> None:
    assert safe_value(value) == shown


def test_safe_value_huge_and_odd() -> None:
    n = 10**5000
    assert format_int(n) == "1" + "0" * 5000
    assert safe_value(n, max_len=10) == "1000000000… (+4,991 chars)"
    assert safe_value("a" * 50, max_len=10) == "a" * 10 + "… (+40 chars)"

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert safe_value(Hostile()) == "<Hostile>"
    assert safe_value(b"\x1b") == "b'\\x1b'"


@pytest.mark.parametrize(
    ("value", "text", "kind"),
    [
        ("ACME \x1b[31m", '"ACME \\x1b[31m"', "string"),
        (None, "null", "null"),
        (True, "true", "bool"),
        (0, "0", "number"),
        (2**70, "1180591620717411303424", "number"),
        (-0.5, "-0.5", "number"),
        (math.nan, "NaN", "number"),
        ({}, "{}", "other"),
        ([], "[]", "other"),
        ([1, 2], "[2 items]", "other"),
    ],
)
def test_scalar_text_is_the_one_display_of_a_value(value, text: str, kind: str) -> None:
    # the tree and the tables colour by kind; strings are quoted in the tree, bare elsewhere
    assert scalar_text(value) == (text, kind)
    bare = text[1:-1] if kind == "string" else text
    assert scalar_text(value, quote=False) == (bare, kind)
    assert safe_value(value) == bare  # the same text wherever a value is shown


def test_scalar_text_bounds_long_strings_and_integers_alike() -> None:
    assert scalar_text("x" * 50, 10) == ('"' + "x" * 10 + '… (+40 chars)"', "string")
    assert scalar_text(10**5000, 10) == ("1000000000… (+4,991 chars)", "number")


def test_summary_of_containers() -> None:
    assert summary({"a": 1}) == "{1 key}"
    assert summary(list(range(200_000)), "row") == "[200000 rows]"
    assert summary([1], "page") == "[1 page]"


@pytest.mark.parametrize(
    "text",
    [
        "[bold]x[/bold]",
        "[red]",
        "list [1, 2]",
        "\\[bold]",
        "\\\\[bold]",
        "ends with \\",
        "ends with \\\\",
        "[@click=app.quit]",
        "[#ff0000]",
        "no brackets",
        "",
    ],
)
def test_escape_markup_matches_rich(text: str) -> None:
    markup = pytest.importorskip("rich.markup")
    assert escape_markup(text) == markup.escape(text)
    if not text.endswith("\\"):  # rich doubles a trailing backslash for a tag that may follow
        assert markup.render(escape_markup(text)).plain == text
