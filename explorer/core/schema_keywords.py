"""The JSON Schema keywords that run a schema's regular expressions, matched with RE2.

jsonschema matches ``pattern``, ``patternProperties`` (and, through them, ``additionalProperties``
and ``unevaluatedProperties``) with Python's backtracking ``re``: a hostile pattern freezes the
check and, holding the GIL, the whole UI. These replacements match through
:mod:`explorer.core.safe_regex` (linear time, within a budget); what cannot be checked safely
is skipped and noted in the current :class:`~explorer.core.safe_regex.PatternBudget`, never
run with ``re``.

- ``pattern``: a value not checked is neither a problem nor a pass; the budget says so.
- ``patternProperties`` / ``additionalProperties``: a property name a pattern could not be
  checked against counts as matched (no problem claimed on a guess).
- ``unevaluatedProperties`` is jsonschema's own, whose search of ``patternProperties`` cannot be
  redirected: when the schema has ``patternProperties`` anywhere, that keyword is skipped (and
  noted) instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError, validators

from explorer.core.safe_regex import PatternBudget, budget_scope, current_budget, search

__all__ = [
    "checking",
    "has_pattern_properties",
    "names_not_matched",
    "unchecked_warnings",
    "with_safe_regex",
]

#: Where the note about a skipped ``unevaluatedProperties`` is kept in the budget.
UNEVALUATED = "unevaluatedProperties"
_WALK_LIMIT = 100_000
#: Whether the schema being checked has patternProperties anywhere (set by `checking`).
_root_has_pattern_properties: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "root_has_pattern_properties", default=True
)


@contextlib.contextmanager
def checking(schema: Any) -> Iterator[PatternBudget]:
    """The scope of one check against ``schema``: a fresh pattern budget, yielded."""
    token = _root_has_pattern_properties.set(has_pattern_properties(schema))
    try:
        with budget_scope() as budget:
            yield budget
    finally:
        _root_has_pattern_properties.reset(token)


def _matches(pattern: Any, text: str) -> bool | None:
    if not isinstance(pattern, str):
        return None
    return search(pattern, text)


def pattern(validator: Any, patrn: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``pattern``, matched with RE2."""
    if validator.is_type(instance, "string") and _matches(patrn, instance) is False:
        yield ValidationError("does not match the pattern")


def pattern_properties(
    validator: Any, pattern_props: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``patternProperties``, matched with RE2."""
    if not validator.is_type(instance, "object") or not isinstance(pattern_props, dict):
        return
    for patrn, subschema in pattern_props.items():
        for key, value in instance.items():
            if _matches(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def names_not_matched(instance: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Property names neither in ``properties`` nor matched by a ``patternProperties`` pattern
    (a pattern that cannot be checked safely counts as a match)."""
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    patterns = schema.get("patternProperties")
    patterns = list(patterns) if isinstance(patterns, dict) else []
    return [
        key
        for key in instance
        if key not in props and not any(_matches(p, key) is not False for p in patterns)
    ]


def additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    """``additionalProperties``, its ``patternProperties`` matched with RE2."""
    if not validator.is_type(instance, "object"):
        return
    extras = names_not_matched(instance, schema)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        shown = ", ".join(repr(e) for e in sorted(extras, key=str)[:20])
        verb = "was" if len(extras) == 1 else "were"
        yield ValidationError(f"Additional properties are not allowed ({shown} {verb} unexpected)")


def _skip_unevaluated(original: Any) -> Any:
    def unevaluated_properties(
        validator: Any, value: Any, instance: Any, schema: Any
    ) -> Iterator[ValidationError]:
        """``unevaluatedProperties``, skipped where ``patternProperties`` would need ``re``."""
        if validator.is_type(instance, "object") and _root_has_pattern_properties.get():
            current_budget().skip(
                UNEVALUATED, "with patternProperties in the schema it needs a backtracking regex"
            )
            return
        yield from original(validator, value, instance, schema)

    return unevaluated_properties


def has_pattern_properties(schema: Any) -> bool:
    """Whether ``patternProperties`` appears anywhere in ``schema`` (walked without
    recursion, so a deep schema cannot overflow the stack; a huge one counts as having it)."""
    stack = [schema]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > _WALK_LIMIT:
            return True
        if isinstance(node, dict):
            if "patternProperties" in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def with_safe_regex(base: type, extra: dict[str, Any] | None = None) -> type:
    """``base`` (a jsonschema validator class) with the regex keywords above, plus ``extra``."""
    keywords = dict(extra or {})
    known = base.VALIDATORS  # type: ignore[attr-defined]
    for name, func in (
        ("pattern", pattern),
        ("patternProperties", pattern_properties),
        ("additionalProperties", additional_properties),
    ):
        if name in known:
            keywords[name] = func
    if UNEVALUATED in known:
        keywords[UNEVALUATED] = _skip_unevaluated(known[UNEVALUATED])
    return validators.extend(base, keywords)


def unchecked_warnings(budget: PatternBudget, limit: int = 20) -> list[str]:
    """One warning per pattern that could not be run safely, with how many values it left."""
    lines = []
    for patrn, (reason, count) in list(budget.unchecked.items())[:limit]:
        values = f"{count:,} value{'s' if count != 1 else ''}"
        if patrn == UNEVALUATED:
            lines.append(f"unevaluatedProperties not checked at {values}: {reason}")
            continue
        shown = json.dumps(patrn if len(patrn) <= 60 else patrn[:60] + "…", ensure_ascii=False)
        lines.append(f"pattern {shown} not checked at {values}: {reason}")
    return lines
