"""``?``: every binding, with its id (for remapping) and what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from explorer.tui.inert import inert


def format_key(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "greater_than_sign": ">",
        "less_than_sign": "<",
        "space": "space",
        "colon": ":",
        "escape": "esc",
        "dollar_sign": "$",
        "full_stop": ".",
    }
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def help_sections(app_class: type) -> list[tuple[str, list[Binding]]]:
    """Every binding, where it applies: the app's, the main view's, each pane's."""
    from explorer.tui.main_screen import MainScreen
    from explorer.tui.screens.failures import FailuresScreen
    from explorer.tui.screens.fleet_screen import FleetScreen
    from explorer.tui.screens.requests import RequestsScreen
    from explorer.tui.screens.rerun import RerunScreen
    from explorer.tui.screens.usage import UsageScreen
    from explorer.tui.widgets.fields_pane import FieldsPane
    from explorer.tui.widgets.job_tree import JobTree
    from explorer.tui.widgets.results_pane import ResultsPane
    from explorer.tui.widgets.row_table import RowTable

    everywhere = [
        *app_class.BINDINGS,
        Binding(app_class.COMMAND_PALETTE_BINDING, "command_palette", "Command palette"),
        Binding("tab", "focus_next", "Next pane (the focused one has a bright border)"),
        Binding("shift+tab", "focus_previous", "Previous pane"),
    ]
    return [
        ("Everywhere", everywhere),
        ("Main view", list(MainScreen.BINDINGS)),
        ("Job tree", list(JobTree.BINDINGS)),
        ("Results", list(ResultsPane.all_bindings())),
        ("Fields", [*FieldsPane.BINDINGS, *RowTable.BINDINGS]),
        ("Failures and Usage", list(FleetScreen.BINDINGS)),
        ("Failures view", list(FailuresScreen.BINDINGS)),
        ("Usage view", list(UsageScreen.BINDINGS)),
        ("Re-run form", list(RerunScreen.BINDINGS)),
        ("Request log", list(RequestsScreen.BINDINGS)),
    ]


class HelpScreen(ModalScreen[None]):
    """A table of every binding by section: keys, what it does, binding id."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[Binding]]], keymap: dict[str, str]) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), expand=True, show_header=True)
        table.add_column("Keys", style="bold yellow", no_wrap=True)
        table.add_column("Does")
        table.add_column("Binding id", style="dim", no_wrap=True)
        for title, bindings in self.sections:
            table.add_row(Text(title, style="bold underline"), "", "")
            for binding in bindings:
                keys = self.keymap.get(binding.id or "", binding.key)
                # Keys may come from the config file's [keymap]: every cell is inert Text.
                table.add_row(
                    inert(format_key(keys), 60),
                    inert(binding.description or binding.action, 80),
                    inert(binding.id or "", 60),
                )
            table.add_row("", "", "")
        note = Text(
            "Remap any binding by id in the config file's [keymap] section, "
            'e.g. "app.refresh" = "ctrl+r".  Esc closes.',
            style="dim",
        )
        with VerticalScroll(id="help-body"):
            yield Static(Text("extract-explorer — keys", style="bold"))
            yield Static(table)
            yield Static(note)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
