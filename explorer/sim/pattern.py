"""Strings that match simple JSON Schema `pattern`s.

Schemas written by people use a small corner of regex: literals, `\\d`, classes like `[A-Z0-9]`,
groups with `|`, and `{n,m}`/`?`/`+`/`*` quantifiers. That is all this handles; anything else
returns None and the caller keeps its own value.
"""

from __future__ import annotations

import random
import re
import string

_CLASSES = {
    "d": string.digits,
    "w": string.ascii_letters + string.digits + "_",
    "s": " ",
    "D": string.ascii_letters,
    "W": "-",
    "S": string.ascii_letters,
}


class _Unsupported(Exception):
    pass


def from_pattern(pattern: str, rng: random.Random) -> str | None:
    """A string matching `pattern` (re.search semantics), or None if the pattern is too fancy."""
    try:
        node, pos = _parse_alt(pattern, 0)
        if pos != len(pattern):
            raise _Unsupported
        out = "".join(_emit(node, rng))
    except (_Unsupported, IndexError, ValueError):
        return None
    return out if re.search(pattern, out) else None


def _parse_alt(p: str, i: int) -> tuple[tuple, int]:
    branches = []
    seq, i = _parse_seq(p, i)
    branches.append(seq)
    while i < len(p) and p[i] == "|":
        seq, i = _parse_seq(p, i + 1)
        branches.append(seq)
    return ("alt", branches), i


def _parse_seq(p: str, i: int) -> tuple[list, int]:
    items: list = []
    while i < len(p) and p[i] not in "|)":
        atom, i = _parse_atom(p, i)
        lo, hi, i = _parse_quant(p, i)
        items.append((atom, lo, hi))
    return items, i


def _parse_atom(p: str, i: int) -> tuple[tuple, int]:
    c = p[i]
    if c in "^$":
        return ("lit", ""), i + 1
    if c == "(":
        if p.startswith("(?:", i):
            i += 2
        node, i = _parse_alt(p, i + 1)
        if i >= len(p) or p[i] != ")":
            raise _Unsupported
        return node, i + 1
    if c == "[":
        return _parse_class(p, i + 1)
    if c == "\\":
        e = p[i + 1]
        if e in _CLASSES:
            return ("set", _CLASSES[e]), i + 2
        return ("lit", e), i + 2
    if c == ".":
        return ("set", string.ascii_letters + string.digits), i + 1
    if c in "*+?{":
        raise _Unsupported
    return ("lit", c), i + 1


def _parse_class(p: str, i: int) -> tuple[tuple, int]:
    if p[i] == "^":
        raise _Unsupported
    chars: list[str] = []
    while p[i] != "]":
        c = p[i]
        if c == "\\":
            e = p[i + 1]
            chars.extend(_CLASSES.get(e, e))
            i += 2
            continue
        if i + 2 < len(p) and p[i + 1] == "-" and p[i + 2] != "]":
            chars.extend(chr(x) for x in range(ord(c), ord(p[i + 2]) + 1))
            i += 3
            continue
        chars.append(c)
        i += 1
    if not chars:
        raise _Unsupported
    return ("set", "".join(chars)), i + 1


def _parse_quant(p: str, i: int) -> tuple[int, int, int]:
    if i >= len(p):
        return 1, 1, i
    c = p[i]
    if c == "?":
        return 0, 1, i + 1
    if c == "*":
        return 0, 3, i + 1
    if c == "+":
        return 1, 4, i + 1
    if c == "{":
        end = p.index("}", i)
        body = p[i + 1 : end]
        lo_s, _, hi_s = body.partition(",")
        lo = int(lo_s)
        hi = lo if "," not in body else (int(hi_s) if hi_s else lo + 3)
        return lo, hi, end + 1
    return 1, 1, i


def _emit(node: tuple, rng: random.Random) -> list[str]:
    kind = node[0]
    if kind == "lit":
        return [node[1]]
    if kind == "set":
        return [rng.choice(node[1])]
    # alternation of sequences
    seq = rng.choice(node[1])
    out: list[str] = []
    for atom, lo, hi in seq:
        for _ in range(rng.randint(lo, hi)):
            out.extend(_emit(atom, rng))
    return out
