"""The config file's ``[keymap]``, checked before the app applies it.

Textual takes any keymap silently: an unknown binding id does nothing, a key name it cannot
produce (``ctrl+shft+r``) makes the binding unreachable, and two actions on one key leave one
of them dead (``"app.quit" = "j"`` while the tree moves down on ``j``: ``j`` quits everywhere
but in the tree). Each such entry is named in a message and left out; the rest is applied.

Two bindings clash when one key reaches both from the same place: the bindings of the focused
widget, its containers, the screen and the app are consulted in turn (Textual's binding chain),
so each :func:`binding_chains` entry lists the bindings live together. Only clashes that
the keymap made count: the built-in ones (``g`` is "first row" in a table, "group" elsewhere)
are deliberate.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from textual.app import App
from textual.binding import Binding
from textual.keys import (
    REPLACED_KEYS,
    Keys,
    _character_to_key,
    _get_unicode_name_from_key,
    _normalize_key_list,
)

from explorer.tui.inert import inert_str

__all__ = ["KeymapCheck", "binding_chains", "check_keymap", "key_problem"]

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})


@cache
def _named_keys() -> frozenset[str]:
    """Keys with a name of their own: ``escape``, ``enter``, ``f5``, ``pageup``, ``insert``…"""
    from textual._keyboard_protocol import FUNCTIONAL_KEYS

    names = {key.value for key in Keys if "+" not in key.value and not key.value.startswith("<")}
    return frozenset(names | set(FUNCTIONAL_KEYS.values()))


@cache
def _character_names() -> frozenset[str]:
    """Textual's names of printable characters (``question_mark``, ``full_stop``, ``minus``)."""
    return frozenset(
        _character_to_key(chr(cp))
        for cp in range(0x21, 0x3000)
        if chr(cp).isprintable() and not chr(cp).isspace()
    )


def _is_character_name(name: str) -> bool:
    original = REPLACED_KEYS.get(name, name)
    for guess in (_get_unicode_name_from_key(original), original.replace("_", " ")):
        try:
            character = unicodedata.lookup(guess)
        except KeyError:
            continue
        if character.isprintable() and _character_to_key(character) == name:
            return True
    return name in _character_names()


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key, as in a Binding: ``ctrl+r``, ``?``, ``f5``) can never be pressed,
    or None when it is a key Textual can report."""
    if not key:
        return "an empty key"
    if len(key) == 1:
        return None if key.isprintable() else "not a printable character"
    *modifiers, base = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        modifier = inert_str(unknown[0], 20)
        return f"'{modifier}' is not a modifier (ctrl, shift, alt, meta, super, hyper)"
    if len(set(modifiers)) != len(modifiers):
        return "a modifier given twice"
    if len(base) == 1:
        return None if base.isprintable() and not base.isspace() else "not a key name"
    if base in _named_keys() or _is_character_name(base):
        return None
    return f"'{inert_str(base, 30)}' is not a key name"


@dataclass
class KeymapCheck:
    """The keymap that can be applied, and one message per entry left out."""

    accepted: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _shown(text: object) -> str:
    return inert_str(text, 40)


def _keys_of(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    if binding.id and binding.id in keymap:
        return keymap[binding.id].split(",")
    return [binding.key]


def _name(binding: Binding) -> str:
    return binding.id or f"{binding.action} (built in)"


def _clashes(
    chains: Iterable[list[Binding]], keymap: Mapping[str, str]
) -> list[tuple[str, Binding, Binding]]:
    """(key, binding, other binding) for keys that reach two bindings, one of them remapped."""
    found = []
    for chain in chains:
        on_key: dict[str, list[Binding]] = {}
        for binding in chain:
            for key in _keys_of(binding, keymap):
                others = on_key.setdefault(key, [])
                for other in others:
                    same = (other.id is not None and other.id == binding.id) or other is binding
                    remapped = binding.id in keymap or other.id in keymap
                    if not same and remapped:
                        found.append((key, binding, other))
                others.append(binding)
    return found


def _flatten(keymap: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """TOML reads an unquoted ``app.refresh = "ctrl+r"`` as a table ``app`` holding
    ``refresh``: join such tables back into the dotted ids they spell."""
    flat: dict[str, object] = {}
    for key, value in keymap.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _resolve_ids(keymap: dict[str, object], known: set[str]) -> dict[str, object]:
    """An id given without its place (``refresh`` for ``app.refresh``) means the one binding
    whose id ends so, when exactly one does."""
    resolved: dict[str, object] = {}
    for binding_id, keys in keymap.items():
        if binding_id not in known and isinstance(binding_id, str):
            matches = [k for k in known if k.endswith("." + binding_id)]
            if len(matches) == 1:
                binding_id = matches[0]
        resolved[binding_id] = keys
    return resolved


def check_keymap(keymap: Mapping[str, object], chains: list[list[Binding]]) -> KeymapCheck:
    """Split ``keymap`` (binding id -> keys, as in the config file) into what can be applied
    and what cannot, saying why for each entry left out."""
    check = KeymapCheck()
    known = {b.id for chain in chains for b in chain if b.id}
    for binding_id, keys in _resolve_ids(_flatten(keymap), known).items():
        entry = f'{_shown(binding_id)} = "{_shown(keys)}"'
        if binding_id not in known:
            check.problems.append(
                f"Keymap: unknown binding id '{_shown(binding_id)}' ignored (? lists the ids)."
            )
            continue
        if not isinstance(keys, str):
            check.problems.append(f'Keymap: {entry} ignored: keys are a string, e.g. "ctrl+r".')
            continue
        if not keys.strip():
            check.problems.append(f"Keymap: {entry} ignored: no key given.")
            continue
        problems = [
            f'"{_shown(key.strip())}": {problem}'
            for key in keys.split(",")
            if (problem := key_problem(key.strip()))
        ]
        if problems:
            check.problems.append(f"Keymap: {entry} ignored: {problems[0]}.")
            continue
        check.accepted[binding_id] = _normalize_key_list(keys)
    order = list(check.accepted)
    defaults: dict[str, set[str]] = {}
    for binding in (b for chain in chains for b in chain if b.id):
        defaults.setdefault(binding.id, set()).add(binding.key)  # type: ignore[arg-type]

    def rank(binding: Binding) -> tuple[bool, int]:
        # A built-in binding never loses; of two entries, one that moves its binding loses
        # before one that only restates the default, then the later one in the file.
        assert binding.id is not None
        moved = set(check.accepted[binding.id].split(",")) != defaults[binding.id]
        return moved, order.index(binding.id)

    while clashes := _clashes(chains, check.accepted):
        key, binding, other = clashes[0]
        loser = max((b for b in (binding, other) if b.id in check.accepted), key=rank)
        winner = other if loser is binding else binding
        assert loser.id is not None
        check.problems.append(
            f'Keymap: {_shown(loser.id)} = "{_shown(keymap[loser.id])}" ignored: '
            f"{_shown(key)} is already {_shown(_name(winner))}."
        )
        del check.accepted[loser.id]
    return check


def _bindings(*classes: type) -> list[Binding]:
    return [
        binding
        for cls in classes
        for bindings in cls._merged_bindings.key_to_bindings.values()  # type: ignore[attr-defined]
        for binding in bindings
    ]


def binding_chains(app_class: type[App], screen_class: type | None = None) -> list[list[Binding]]:
    """The bindings live together, per place the keyboard can be: each widget that takes focus
    with its containers, its screen and the app; each dialog on its own."""
    from textual.screen import Screen
    from textual.widgets import DataTable

    from explorer.tui.screens.confirm import ConfirmScreen
    from explorer.tui.screens.copy import CopyScreen
    from explorer.tui.screens.diff import DiffScreen
    from explorer.tui.screens.export import ExportScreen
    from explorer.tui.screens.failures import FailuresScreen
    from explorer.tui.screens.help import HelpScreen
    from explorer.tui.screens.requests import RequestsScreen
    from explorer.tui.screens.rerun import RerunScreen
    from explorer.tui.screens.source import SourceScreen
    from explorer.tui.screens.usage import UsageScreen
    from explorer.tui.widgets.fields_pane import FieldsPane
    from explorer.tui.widgets.job_tree import JobTree
    from explorer.tui.widgets.result_view import ResultView
    from explorer.tui.widgets.results_pane import ResultsPane
    from explorer.tui.widgets.row_table import RowTable

    app = [*_bindings(app_class), Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette")]
    main = [*app, *_bindings(screen_class or Screen)]
    return [
        [*main, *_bindings(JobTree)],
        [*main, *_bindings(ResultsPane, ResultView)],
        [*main, *_bindings(ResultsPane, RowTable)],
        [*main, *_bindings(FieldsPane, RowTable)],
        # A dialog's own keys shadow the app's on purpose (``y`` is "yes" in a question, "copy"
        # elsewhere): only clashes among its own bindings count.
        _bindings(ConfirmScreen),
        _bindings(CopyScreen),
        _bindings(ExportScreen),
        _bindings(HelpScreen),
        _bindings(DiffScreen, RowTable),
        _bindings(SourceScreen),
        _bindings(RerunScreen),
        _bindings(FailuresScreen, DataTable),
        _bindings(UsageScreen, DataTable),
        _bindings(RequestsScreen, DataTable),
    ]
