"""The re-run form (``R``): the original's settings, pre-filled; change one, see what it costs.

Every edit re-plans at once (:func:`explorer.core.rerun.plan_rerun`, pure and cheap): the
form shows what will differ from the original, whether the original's parse job is reused,
and the credits estimate. The schema opens in ``$EDITOR`` as JSON; what comes back is parsed
here and then validated by the service (``schema/validation``) before Run is allowed - text
that does not parse is kept, so the next edit starts from it, not from the original.
The form dismisses with the plan to send (None: cancelled); the app's worker sends it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from explorer.api.models import ExtractJob
from explorer.core.present import short_id
from explorer.core.rerun import (
    TARGETS,
    TIERS,
    RerunError,
    RerunPlan,
    describe_change,
    original_configuration,
    plan_rerun,
)
from explorer.tui.inert import inert, inert_str
from explorer.tui.workers import work

__all__ = ["RerunScreen", "edit_in_editor"]


#: ``edit(text) -> new text`` (None: the editor could not run; the reason is raised).
Editor = Callable[[str], str]


class EditorError(Exception):
    """The editor could not be started (no $EDITOR and no vi / nano, or it failed)."""


def _editor_command() -> list[str]:
    for var in ("VISUAL", "EDITOR"):
        value = os.environ.get(var, "").strip()
        if value:
            return shlex.split(value)
    for name in ("nano", "vi", "vim"):
        path = shutil.which(name)
        if path:
            return [path]
    raise EditorError("set $EDITOR to edit the schema (no editor found)")


def edit_in_editor(text: str) -> str:
    """``text`` edited in the user's editor (a private temporary file, removed afterwards)."""
    command = _editor_command()
    fd, name = tempfile.mkstemp(prefix="extract-explorer-schema-", suffix=".json")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise EditorError(f"cannot start {command[0]}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise EditorError(
                f"{command[0]} exited with status {done.returncode}: schema unchanged"
            )
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)


class RerunScreen(ModalScreen[RerunPlan | None]):
    """The re-run form of one job."""

    BINDINGS = [
        Binding("ctrl+s", "run", "Run", id="rerun.run"),
        Binding("ctrl+o", "edit_schema", "Edit schema", id="rerun.schema"),
        Binding("escape", "cancel", "Cancel", id="rerun.cancel"),
    ]

    def __init__(
        self,
        job: ExtractJob,
        *,
        validate: Callable[[Any], Awaitable[Any]] | None,
        editor: Editor | None = None,
    ) -> None:
        super().__init__()
        self.job = job
        self.validate = validate
        self.editor: Editor = editor or edit_in_editor
        self.original = original_configuration(job)
        self.schema: Any = self.original.get("data_schema")
        #: What the editor last returned when it was not valid JSON (kept for the next edit).
        self._draft: str | None = None
        #: None: not asked yet; True: the service accepted the schema; str: why it refused.
        self._schema_verdict: bool | str | None = True
        self.plan: RerunPlan | None = None
        self.problem: str | None = None
        #: The system prompt to send while the form's line still shows it unedited: the line
        #: shows it inert (a newline as \n, an escape as \x1b), never the raw characters.
        self.prompt: str | None = _string(self.original.get("system_prompt"))
        self._prompt_shown = inert_str(self.prompt or "", 20_000)

    def compose(self) -> ComposeResult:
        config = self.original
        title = f"Re-run {short_id(self.job.id)} · {self.job.document_label}"
        with Vertical(id="rerun-box"):
            with Horizontal(id="rerun-top"):
                yield Static(inert(title, 200), id="rerun-title")
                yield Button("Run (ctrl+s)", variant="primary", compact=True, id="rerun-run")
                yield Button("Cancel (esc)", compact=True, id="rerun-cancel")
            with VerticalScroll(id="rerun-form"):
                with Horizontal(classes="rerun-row"):
                    yield Label("Tier", classes="rerun-label")
                    yield Select(
                        _options(TIERS, config.get("tier")),
                        value=_value(config.get("tier"), TIERS),
                        allow_blank=False,
                        compact=True,
                        id="rerun-tier",
                    )
                with Horizontal(classes="rerun-row"):
                    yield Label("Target", classes="rerun-label")
                    yield Select(
                        _options(TARGETS, config.get("extraction_target")),
                        value=_value(config.get("extraction_target") or "per_doc", TARGETS),
                        allow_blank=False,
                        compact=True,
                        id="rerun-target",
                    )
                with Horizontal(classes="rerun-row"):
                    yield Label("System prompt", classes="rerun-label")
                    yield Input(
                        self._prompt_shown,
                        placeholder="(none)",
                        compact=True,
                        id="rerun-prompt",
                    )
                    yield Button("Edit…", compact=True, id="rerun-edit-prompt")
                with Horizontal(classes="rerun-row"):
                    yield Label("Target pages", classes="rerun-label")
                    yield Input(
                        _text(config.get("target_pages")),
                        placeholder="every page (or e.g. 1,3,5-7)",
                        compact=True,
                        id="rerun-pages",
                    )
                with Horizontal(classes="rerun-row"):
                    yield Label("Max pages", classes="rerun-label")
                    yield Input(
                        _text(config.get("max_pages")),
                        placeholder="no limit",
                        type="integer",
                        compact=True,
                        id="rerun-max-pages",
                    )
                with Horizontal(classes="rerun-row"):
                    yield Checkbox(
                        "Confidence scores",
                        bool(config.get("confidence_scores")),
                        compact=True,
                        id="rerun-confidence",
                    )
                    yield Checkbox(
                        "Citations", bool(config.get("cite_sources")), compact=True, id="rerun-cite"
                    )
                with Horizontal(classes="rerun-row"):
                    yield Label("Schema", classes="rerun-label")
                    yield Static(id="rerun-schema")
                    yield Button("Edit (ctrl+o)", compact=True, id="rerun-edit")
                yield Static(id="rerun-plan")

    def on_mount(self) -> None:
        self.query_one("#rerun-tier", Select).focus()
        self.replan()

    # -- the plan ---------------------------------------------------------------------------

    def overrides(self) -> dict[str, Any]:
        """The form's values, as settings for :func:`plan_rerun`."""
        tier = self.query_one("#rerun-tier", Select).value
        target = self.query_one("#rerun-target", Select).value
        max_pages = self.query_one("#rerun-max-pages", Input).value.strip()
        shown = self.query_one("#rerun-prompt", Input).value
        out: dict[str, Any] = {
            "system_prompt": self.prompt if shown == self._prompt_shown else (shown or None),
            "target_pages": self.query_one("#rerun-pages", Input).value.strip() or None,
            "confidence_scores": self.query_one("#rerun-confidence", Checkbox).value,
            "cite_sources": self.query_one("#rerun-cite", Checkbox).value,
            "data_schema": self.schema,
        }
        if isinstance(tier, str):
            out["tier"] = tier
        if isinstance(target, str):
            out["extraction_target"] = target
        if max_pages:
            try:
                out["max_pages"] = int(max_pages)
            except ValueError:
                raise RerunError(f"max pages must be a whole number: {max_pages!r}") from None
        else:
            out["max_pages"] = None
        # A setting the original left unset and the form shows empty is not a change.
        return {
            k: v
            for k, v in out.items()
            if not (v in (None, False) and self.original.get(k) in (None, False))
        }

    def replan(self) -> None:
        """Plan again from the form and show it (what changes, the input, the estimate)."""
        try:
            self.plan = plan_rerun(self.job, self.overrides())
            self.problem = None
        except RerunError as exc:
            self.plan, self.problem = None, str(exc)
        self._show()

    def _show(self) -> None:
        schema_line = Text()
        props = self.schema.get("properties") if isinstance(self.schema, dict) else None
        count = len(props) if isinstance(props, dict) else 0
        schema_line.append(f"{count} top-level fields")
        if self._draft is not None:
            schema_line.append("  · your last edit is not valid JSON (kept)", style="bold red")
        elif self._schema_verdict is None:
            schema_line.append("  · checking with the service…", style="dim")
        elif isinstance(self._schema_verdict, str):
            schema_line.append("  · refused: ", style="bold red")
            schema_line.append_text(inert(self._schema_verdict, 200))
        self.query_one("#rerun-schema", Static).update(schema_line)
        body = Text()
        plan = self.plan
        if self.problem:
            body.append("Cannot run: ", style="bold red")
            body.append_text(inert(self.problem, 400, single_line=False))
        elif plan is not None:
            body.append("What changes\n", style="bold")
            if plan.changes:
                for change in plan.changes:
                    body.append("  ")
                    body.append_text(inert(describe_change(change), 200))
                    body.append("\n")
            else:
                body.append("  nothing yet: change a setting above\n", style="dim")
            body.append("Input  ", style="bold")
            body.append_text(inert(plan.parse_note, 200))
            body.append("\nEstimate  ", style="bold")
            body.append_text(inert(plan.estimate_text(), 200))
            for note in plan.notes:
                body.append("\n  ")
                body.append_text(inert(note, 200))
        self.query_one("#rerun-plan", Static).update(body)
        self.query_one("#rerun-run", Button).disabled = not self.ready

    @property
    def ready(self) -> bool:
        """Whether Run may send: a plan, and a schema the service accepted."""
        return self.plan is not None and self._draft is None and self._schema_verdict is True

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.replan()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.replan()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.replan()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "rerun-run":
            self.action_run()
        elif event.button.id == "rerun-edit":
            self.action_edit_schema()
        elif event.button.id == "rerun-edit-prompt":
            self.edit_prompt()
        else:
            self.dismiss(None)

    # -- the schema -------------------------------------------------------------------------

    def _edit(self, text: str) -> str | None:
        """``text`` through the user's editor (None: it could not run; said in a toast)."""
        try:
            if self.app.is_headless:  # no terminal to hand over (tests give an editor)
                return self.editor(text)
            with self.app.suspend():
                return self.editor(text)
        except EditorError as exc:
            self.app.notify(str(exc), severity="error", timeout=6)
        except Exception as exc:  # no terminal to hand over (e.g. in a browser)
            self.app.notify(f"cannot open an editor here: {exc}", severity="error", timeout=6)
        return None

    def action_edit_schema(self) -> None:
        text = self._draft
        if text is None:
            text = json.dumps(self.schema, indent=2, ensure_ascii=False) + "\n"
        edited = self._edit(text)
        if edited is not None:
            self.set_schema_text(edited)

    def edit_prompt(self) -> None:
        """The system prompt in the editor, whole (lines and all), for a prompt the one-line
        field cannot hold."""
        shown = self.query_one("#rerun-prompt", Input).value
        current = self.prompt if shown == self._prompt_shown else shown
        edited = self._edit(current or "")
        if edited is None:
            return
        self.prompt = edited.rstrip("\n") or None
        self._prompt_shown = inert_str(self.prompt or "", 20_000)
        self.query_one("#rerun-prompt", Input).value = self._prompt_shown
        self.replan()

    def set_schema_text(self, text: str) -> None:
        """What the editor returned: parsed here, then asked of the service."""
        try:
            schema = json.loads(text)
        except ValueError as exc:
            self._draft = text
            self.app.notify(f"The schema is not JSON: {exc}", severity="error", timeout=8)
            self._show()
            return
        if not isinstance(schema, dict):
            self._draft = text
            self.app.notify("The schema must be a JSON object.", severity="error", timeout=6)
            self._show()
            return
        self._draft = None
        if schema == self.schema:
            self._show()
            return
        self.schema = schema
        self._schema_verdict = None
        self.replan()
        self._check_schema(schema)

    @work(exclusive=True, group="rerun-schema", exit_on_error=False)
    async def _check_schema(self, schema: Any) -> None:
        from explorer.core.errors import describe_error

        if self.validate is None:
            verdict: bool | str = "no service to validate it (offline)"
        else:
            try:
                await self.validate(schema)
                verdict = True
            except Exception as exc:  # the service's refusal, shown in the form
                verdict = describe_error(exc)
        if schema is self.schema:  # not replaced by a newer edit meanwhile
            self._schema_verdict = verdict
            self._show()

    # -- leaving ----------------------------------------------------------------------------

    def action_run(self) -> None:
        self.replan()
        if self.problem:
            self.app.notify(self.problem, severity="error", timeout=6)
        elif self._draft is not None:
            self.app.notify("Fix the schema first (it is not valid JSON).", severity="error")
        elif self._schema_verdict is None:
            self.app.notify("Still checking the schema with the service…", timeout=3)
        elif isinstance(self._schema_verdict, str):
            self.app.notify("The service refused the schema: edit it first.", severity="error")
        elif self.plan is not None:
            self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _options(values: tuple[str, ...], current: Any) -> list[tuple[Any, str]]:
    options: list[tuple[Any, str]] = [(v, v) for v in values]
    if isinstance(current, str) and current not in values:
        # a tier this version does not know stays (shown inert: it came from the server)
        options.append((inert(current, 40), current))
    return options


def _value(current: Any, values: tuple[str, ...]) -> str:
    return current if isinstance(current, str) else values[0]


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)
