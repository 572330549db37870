"""``E``: save the job, its result or its field table to a file from inside the app.

The file name offered is made from the job id, which comes from the server or a file and may
hold ``/``, ``..`` or control characters: only ``[A-Za-z0-9._-]`` of it are kept, so the default
is one plain file in the chosen folder. No folder is created, and an existing file is replaced
only after the user says yes (the default name never is one: ``name (1).json`` is offered).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

from explorer.tui.inert import inert, inert_str
from explorer.tui.screens.confirm import ConfirmScreen

#: (id, label, file suffix)
FORMATS = (
    ("job-json", "the job (JSON, everything as received)", ".json"),
    ("result-jsonl", "the result (JSON Lines, one item per line)", ".jsonl"),
    ("result-csv", "the result (CSV, nested values as dotted columns)", ".csv"),
    ("fields-csv", "the field table (CSV: path, value, confidence, pages…)", ".fields.csv"),
    ("fields-json", "the field table (JSON)", ".fields.json"),
)
#: Longest stem of a default file name (file systems allow 255 bytes with the suffix).
MAX_STEM = 100
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ExportChoice(NamedTuple):
    """What the user chose: the format id, the file, and whether replacing it was agreed."""

    kind: str
    path: Path
    replace: bool = False


def safe_file_name(job_id: str, suffix: str) -> str:
    """A single, plain file name from a job id: ``ext-1/../x`` -> ``ext-1_.._x.json``.

    Every run of characters outside ``[A-Za-z0-9._-]`` becomes ``_``; leading dots go (no
    hidden file, never ``.`` or ``..``); the stem is cut to :data:`MAX_STEM` characters.
    """
    stem = _NOT_IN_NAME.sub("_", job_id).lstrip(".")[:MAX_STEM] or "job"
    return stem + suffix


def free_path(directory: Path, name: str, suffix: str) -> Path:
    """``directory / name``, or ``stem (1)suffix``, ``stem (2)suffix``… if that is taken."""
    path = directory / name
    stem = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
    number = 1
    while path.exists() or path.is_symlink():
        path = directory / f"{stem} ({number}){suffix}"
        number += 1
    return path


def save_text(path: Path, text: str | Iterable[str], *, replace: bool = False) -> int:
    """Write ``text`` (or its pieces, as they come) to ``path``; returns the characters
    written. An existing file is kept unless ``replace`` (FileExistsError).

    The file is created exclusively, so one appearing after the user chose (or a symlink
    planted there) is not written through. Folders are never created.
    """
    written = 0
    with path.open("w" if replace else "x", encoding="utf-8", newline="") as out:
        try:
            for piece in (text,) if isinstance(text, str) else text:
                out.write(piece)
                written += len(piece)
        except BaseException:
            # a half-written export is worse than none: the file made here goes
            out.close()
            path.unlink(missing_ok=True)
            raise
    return written


class ExportScreen(ModalScreen[ExportChoice | None]):
    """Choose what to save and where; dismisses with an :class:`ExportChoice` or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, job_id: str, directory: Path | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.directory = directory or Path.cwd()
        #: The path this dialog proposed last (a format change updates it while untouched).
        self.proposed = self._default_path(FORMATS[0][2])

    def _default_path(self, suffix: str) -> Path:
        return free_path(self.directory, safe_file_name(self.job_id, suffix), suffix)

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(inert(f"Export {self.job_id}", 200, style="bold"), id="export-title")
            with RadioSet(id="export-format"):
                for index, (_, label, _) in enumerate(FORMATS):
                    yield RadioButton(label, value=index == 0)
            yield Static(inert("Save to (Enter saves, Esc cancels):", style="dim"))
            yield Input(str(self.proposed), id="export-path")
            yield Static("", id="export-problem")

    def on_mount(self) -> None:
        self.query_one("#export-problem", Static).display = False
        self.query_one("#export-path", Input).focus()

    @property
    def chosen(self) -> str:
        index = self.query_one(RadioSet).pressed_index
        return FORMATS[max(0, index)][0]

    @on(RadioSet.Changed)
    def on_format(self, event: RadioSet.Changed) -> None:
        box = self.query_one("#export-path", Input)
        suffix = FORMATS[event.index][2]
        if Path(box.value) == self.proposed:
            self.proposed = self._default_path(suffix)
            box.value = str(self.proposed)
            return
        current = Path(box.value)
        stem = current.name
        for _, _, known in sorted(FORMATS, key=lambda f: -len(f[2])):
            if stem.endswith(known):
                stem = stem[: -len(known)]
                break
        box.value = str(current.with_name(stem + suffix))

    def _problem(self, text: str) -> None:
        problem = self.query_one("#export-problem", Static)
        problem.update(inert(text, 300, style="bold red"))
        problem.display = True
        self.app.bell()

    @on(Input.Submitted, "#export-path")
    def on_submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.app.bell()
            return
        path = Path(value).expanduser()
        if path.is_dir():
            self._problem(f"{path} is a folder: add a file name.")
            return
        if not path.parent.is_dir():
            self._problem(f"No folder {path.parent} (it is not created for you).")
            return
        if not (path.exists() or path.is_symlink()):
            self.dismiss(ExportChoice(self.chosen, path))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(ExportChoice(self.chosen, path, replace=True))

        question = f"{inert_str(path, 300)} exists.\nReplace it?"
        self.app.push_screen(ConfirmScreen(question), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
