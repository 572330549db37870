"""Issue 11, round 2, item 5: schema patterns that backtrack catastrophically.

``(a+)+$`` against ``"a" * 40 + "!"`` froze the UI (the check held the GIL) and ``get`` and
``check`` never returned. Patterns are now matched with RE2; what it cannot run (lookaround,
backreferences) is said to be "not checked", never run with a backtracking engine. Commands run
in a child process bounded by a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from explorer.core.schema_check import check_result
from tests.reliability.round2 import child_env, job, run_child, write
from tests.reliability.terminal import run_in_terminal

EVIL = "a" * 40 + "!"


def evil_job() -> dict[str, Any]:
    """Every place a schema runs a regex, each with a pattern that backtracks for hours."""
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "pattern": "(a+)+$"},
            "b": {
                "type": "object",
                "patternProperties": {"^(x+x+)+y$": {"type": "string"}},
                "additionalProperties": False,
            },
            "c": {"type": "object", "propertyNames": {"pattern": "^(a|aa)+$"}},
            "d": {"type": "string", "pattern": "(?=a)(a+)+$"},  # lookahead: RE2 cannot run it
            "e": {"type": "object", "patternProperties": {"^(a+)+$": {}}},
            "ok": {"type": "string", "pattern": "^\\d{4}-\\d{2}$"},
        },
        "unevaluatedProperties": False,
        "patternProperties": {"^(a|a)+$": {}},
    }
    result = {"a": EVIL, "b": {"x" * 40: 1}, "c": {EVIL: 1}, "d": EVIL, "e": {EVIL: 1}}
    result["ok"] = "2024-05"
    return job("ext-evil", configuration={"data_schema": schema}, extract_result=result)


@pytest.fixture
def evil_file(tmp_path: Path) -> str:
    return write(tmp_path / "evil.json", evil_job())


@pytest.mark.timeout(60)
def test_check_returns_with_the_problems_and_says_what_it_did_not_check(
    evil_file: str, tmp_path: Path
) -> None:
    result = run_child("check", evil_file, "--json", timeout=30, env=child_env(tmp_path))
    assert result.code == 1  # problems found, in bounded time
    problems = {(p["path"], p["kind"]) for p in json.loads(result.out)}
    assert (".a", "pattern") in problems
    assert (f".b.{'x' * 40}", "additional") in problems
    assert any(kind == "pattern" and path.startswith(".c") for path, kind in problems)
    assert not any(path.startswith((".d", ".ok")) for path, _ in problems)
    assert 'pattern "(?=a)(a+)+$" not checked at 1 value: too complex to check safely' in (
        result.err
    )
    assert "unevaluatedProperties not checked" in result.err


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["get", "fields"])
def test_get_and_fields_return(evil_file: str, tmp_path: Path, command: str) -> None:
    result = run_child(command, evil_file, timeout=30, env=child_env(tmp_path))
    assert result.code == 0, result.err
    if command == "get":
        assert "problems" in result.out and "not checked against a pattern (too complex)" in (
            result.out
        )


@pytest.mark.timeout(90)
def test_the_app_stays_responsive_while_it_checks(evil_file: str, tmp_path: Path) -> None:
    run = run_in_terminal(
        ["open", evil_file, "--job", "ext-evil", "--no-animation"],
        env=child_env(tmp_path),
        # the health line, once the analysis (with the schema check) has finished
        ready=lambda text: "schema problem" in text,
        keys=[b"4", 0.5, b"3", 0.5, b"1", 0.3],
        timeout=60,
        program=[sys.executable, "-m", "explorer"],
    )
    assert run.ready, "the schema check never finished"
    assert not run.killed and run.returncode == 0, "keys and q stopped working"
    words = " ".join(run.visible().split())  # the health line wraps in the Overview pane
    assert "3 schema problems · 2 not pattern-checked (too complex)" in words


@pytest.mark.parametrize(
    ("pattern", "value", "fits"),
    [
        ("^\\u00e9t\\u00E9$", "été", True),  # ECMA-262 \uXXXX escapes
        ("^caf.\\Z", "café", True),  # Python's \Z
        ("^\\d+$", "١٢٣", False),  # \d is ASCII, as in ECMA-262
        ("^[a-z]+$", "abc\n", False),  # $ is the very end
        ("^x$", "lone \ud800", False),  # a lone surrogate does not break the match
    ],
)
def test_patterns_keep_json_schema_meaning(pattern: str, value: str, fits: bool) -> None:
    result = check_result({"v": value}, {"properties": {"v": {"pattern": pattern}}})
    assert result.error is None and result.unchecked == 0
    assert (result.problems == []) is fits


def test_a_huge_value_against_a_costly_pattern_is_not_checked_rather_than_slow() -> None:
    result = check_result(
        {"v": "ab" * 1_000_000}, {"properties": {"v": {"pattern": "(a|b)*a(?:a|b){1000}c"}}}
    )
    assert result.problems == [] and result.unchecked == 1
    assert "against a value this long" in result.warnings[0]
