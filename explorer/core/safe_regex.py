"""Regular expressions from job data, matched in bounded time (RE2, no backtracking).

A schema's ``pattern`` and ``patternProperties`` come from whoever wrote the job JSON. Python's
``re`` backtracks: ``(a+)+$`` against ``"a" * 40 + "!"`` runs for hours while holding the GIL,
so the whole UI freezes. Measured on this machine (2 cores), the same search with RE2
(``google-re2``) takes 1 us; a 1 MB string 0.01-160 ms for the usual catastrophic shapes, and
RE2 releases the GIL while it matches. RE2's time is linear in the text, times the size of the
compiled program in the worst case (when its DFA runs out of memory and the NFA takes over:
``(a|b)*a(?:a|b){1000}c`` over 1 MB took 3.8 s), so each match is also given a budget:
``len(text) * program size`` (about 4 ns per unit in that worst case) per value and per check.

What cannot be checked safely is reported, never run with ``re``:

- patterns RE2 cannot compile: lookaround and backreferences (they need backtracking), ECMA
  syntax RE2 lacks, programs past :data:`MAX_PROGRAM`;
- a value whose cost exceeds :data:`MATCH_BUDGET`, and every match once a check has spent
  :data:`CHECK_BUDGET`.

Patterns are JSON Schema's (ECMA-262) dialect; the differences from RE2 that matter are
translated: ``\\uXXXX`` and ``\\u{X...}`` escapes, and Python's ``\\Z``. ``\\d``, ``\\w`` and
``\\s`` are ASCII in RE2, as in ECMA-262 (Python's ``re`` made them Unicode), and ``$`` matches
only at the very end (Python's also before a final newline).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import re2

__all__ = [
    "CHECK_BUDGET",
    "MATCH_BUDGET",
    "MAX_PROGRAM",
    "PatternBudget",
    "budget_scope",
    "current_budget",
    "search",
]

#: Cost units (bytes x program size) one value may take: about 0.4 s in RE2's worst case.
MATCH_BUDGET = 100_000_000
#: Cost units one whole check may take: about 4 s in the worst case, usually far less.
CHECK_BUDGET = 1_000_000_000
#: Compiled programs past this size are refused (RE2's own memory cap stops most before).
MAX_PROGRAM = 50_000

_OPTIONS = re2.Options()
_OPTIONS.never_capture = True  # a yes/no answer: no submatch bookkeeping
_OPTIONS.log_errors = False  # RE2 would write parse errors to stderr, i.e. over the TUI

_ECMA_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|(Z)|(.))", re.S)


@dataclass
class PatternBudget:
    """What one schema check may still spend on patterns, and what it could not check."""

    remaining: int = CHECK_BUDGET
    #: pattern -> (reason, how many values it was not checked against)
    unchecked: dict[str, tuple[str, int]] = field(default_factory=dict)

    def skip(self, pattern: str, reason: str) -> None:
        """Note one value not checked against ``pattern``."""
        _, count = self.unchecked.get(pattern, (reason, 0))
        self.unchecked[pattern] = (reason, count + 1)

    @property
    def skipped(self) -> int:
        """How many values were not checked against some pattern."""
        return sum(count for _, count in self.unchecked.values())


_current: contextvars.ContextVar[PatternBudget | None] = contextvars.ContextVar(
    "pattern_budget", default=None
)


def current_budget() -> PatternBudget:
    """The budget of the check running in this context (a fresh one outside any)."""
    budget = _current.get()
    if budget is None:
        budget = PatternBudget()
        _current.set(budget)
    return budget


@contextlib.contextmanager
def budget_scope() -> Iterator[PatternBudget]:
    """``with budget_scope() as budget:``: one check's budget, for every pattern in it."""
    budget = PatternBudget()
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def _translate(pattern: str) -> str:
    """ECMA-262 / Python escapes RE2 spells differently; everything else is passed through."""

    def swap(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2)
        if code is not None:
            return f"\\x{{{code}}}"
        if m.group(3):
            return "\\z"
        return m.group(0)

    return _ECMA_ESCAPE.sub(swap, pattern) if "\\" in pattern else pattern


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> tuple[Any, int, str]:
    """(compiled, program size, "") or (None, 0, why it cannot be checked)."""
    try:
        compiled = re2.compile(_translate(pattern), _OPTIONS)
    except re2.error as exc:
        arg = exc.args[0] if exc.args else exc
        text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)
        if "perl operator" in text or "escape sequence" in text:
            why = f"too complex to check safely (lookaround or a backreference: {text})"
        elif "too large" in text or "repetition" in text:
            why = f"too complex to check safely ({text})"
        else:
            why = f"not understood by the safe regex engine ({text})"
        return None, 0, why[:200]
    except (TypeError, ValueError) as exc:  # a NUL byte, a lone surrogate in the pattern
        return None, 0, f"not understood by the safe regex engine ({type(exc).__name__})"
    size = compiled.programsize
    if size > MAX_PROGRAM:
        return None, 0, f"too complex to check safely (a program of {size:,} steps)"
    return compiled, max(1, size), ""


def _encoded(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: matched as a character that is no letter
        return text.encode("utf-8", "replace")


def search(pattern: str, text: str, budget: PatternBudget | None = None) -> bool | None:
    """Whether ``pattern`` matches somewhere in ``text`` (JSON Schema's ``pattern``); None when
    it cannot be checked safely (noted in ``budget``, by default the current check's)."""
    budget = current_budget() if budget is None else budget
    compiled, size, why = _compile(pattern)
    if compiled is None:
        budget.skip(pattern, why)
        return None
    data = _encoded(text)
    cost = max(1, len(data)) * size
    if cost > MATCH_BUDGET:
        budget.skip(pattern, "too complex to check safely against a value this long")
        return None
    if cost > budget.remaining:
        budget.skip(pattern, "too complex to check safely: the check's time for patterns ran out")
        return None
    budget.remaining -= cost
    return compiled.search(data) is not None
