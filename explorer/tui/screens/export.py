"""``E``: save the job, its result or its field table to a file from inside the app."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

#: (id, label, file suffix)
FORMATS = (
    ("job-json", "the job (JSON, everything as received)", ".json"),
    ("result-jsonl", "the result (JSON Lines, one item per line)", ".jsonl"),
    ("result-csv", "the result (CSV, nested values as dotted columns)", ".csv"),
    ("fields-csv", "the field table (CSV: path, value, confidence, pages…)", ".fields.csv"),
    ("fields-json", "the field table (JSON)", ".fields.json"),
)


class ExportScreen(ModalScreen[tuple[str, Path] | None]):
    """Choose what to save and where; dismisses with (format id, path) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, job_id: str, directory: Path | None = None) -> None:
        super().__init__()
        self.job_id = job_id
        self.directory = directory or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(Text(f"Export {self.job_id}", style="bold"))
            with RadioSet(id="export-format"):
                for index, (_, label, _) in enumerate(FORMATS):
                    yield RadioButton(label, value=index == 0)
            yield Static(Text("Save to (Enter saves, Esc cancels):", style="dim"))
            yield Input(str(self.directory / f"{self.job_id}.json"), id="export-path")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def chosen(self) -> str:
        index = self.query_one(RadioSet).pressed_index
        return FORMATS[max(0, index)][0]

    @on(RadioSet.Changed)
    def on_format(self, event: RadioSet.Changed) -> None:
        box = self.query_one("#export-path", Input)
        current = Path(box.value)
        suffix = FORMATS[event.index][2]
        stem = current.name
        for _, _, known in sorted(FORMATS, key=lambda f: -len(f[2])):
            if stem.endswith(known):
                stem = stem[: -len(known)]
                break
        box.value = str(current.with_name(stem + suffix))

    @on(Input.Submitted, "#export-path")
    def on_submit(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            self.app.bell()
            return
        self.dismiss((self.chosen, Path(value).expanduser()))

    def action_cancel(self) -> None:
        self.dismiss(None)
