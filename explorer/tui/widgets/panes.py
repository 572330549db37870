"""The Overview and Configuration panes: what a job is, and how it was configured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.console import Group as RichGroup
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static, Tree

from explorer.api.models import TIER_CREDITS_PER_PAGE, ExtractJob
from explorer.core.export import to_json
from explorer.core.present import (
    ago,
    format_timestamp,
    humanize_duration,
    humanize_seconds,
    status_style,
)
from explorer.core.sanitize import safe_text
from explorer.core.summary import result_shape
from explorer.tui.inert import inert
from explorer.tui.widgets.rendered_lines import RenderedLines

#: The label column of a key/value grid.
LABEL_STYLE = "bold cyan"
#: Cells between a label and its value.
GAP = 2
#: What makes a value more than one plain line (wrapped by Rich, tabs expanded).
_BREAKS = frozenset("\n\r\t")
_JOIN = Text("\n")


def kv_table() -> Table:
    table = Table.grid(padding=(0, GAP))
    table.add_column(style=LABEL_STYLE, no_wrap=True)
    table.add_column(overflow="fold")
    return table


class KeyValueRows:
    """Labels and values drawn exactly as :func:`kv_table` draws them, several times faster.

    A Rich ``Table`` measures every cell twice and pads through several wrappers: ~7 ms for
    the Overview's twenty rows, redrawn for each job the user rests on and every second while
    its times move on. Two columns where only the values wrap need none of that: the label
    column is as wide as the widest label, each value wraps ("fold") in what is left. Too
    narrow for the labels, it is drawn by the table itself.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[str, Text]] = []

    def add_row(self, label: str, value: Text) -> None:
        """One row: ``label`` is plain text (never markup), ``value`` wraps."""
        self.rows.append((label, value))

    def as_table(self) -> Table:
        """The same rows as a Rich table (what this draws like)."""
        table = kv_table()
        for label, value in self.rows:
            table.add_row(Text(label), value)
        return table

    def _widths(self, max_width: int) -> tuple[int, int] | None:
        label = max((cell_len(label) for label, _ in self.rows), default=0) + GAP
        values = max(
            (max(map(cell_len, value.plain.splitlines()), default=0) for _, value in self.rows),
            default=0,
        )
        # as the table does: a value column never narrower than 1, and shrunk to fit
        value = min(max(1, min(values, max_width)), max_width - label)
        if value < 1:
            return None  # narrower than the labels: the table's own squeezing applies
        return label, value

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        widths = self._widths(options.max_width)
        if widths is None or not self.rows:
            yield self.as_table()
            return
        label_width, value_width = widths
        label_style = console.get_style(LABEL_STYLE)
        value_options = options.update(
            width=value_width,
            justify="left",
            no_wrap=False,
            overflow="fold",
            height=None,
            highlight=False,
        )
        blank = Segment(" " * label_width, label_style)
        new_line = Segment.line()
        for label, value in self.rows:
            plain = value.plain
            width = cell_len(plain)
            if width <= value_width and value.justify is None and not _BREAKS.intersection(plain):
                # One line that fits (most values): what Rich's wrapping would make of it,
                # padded, its own style as a span; without wrapping it.
                padded = value.copy()
                padded.truncate(value_width, overflow="fold", pad=True)
                line = list(_JOIN.join([padded]).render(console, end=""))
                lines = [line]
            else:
                lines = console.render_lines(value, value_options, pad=True)
            pad = label_width - cell_len(label)
            yield Segment(label + " " * pad, label_style)
            for index, line in enumerate(lines):
                if index:
                    yield blank
                yield from line
                yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.as_table())


def plain(value: Any, max_len: int = 2000) -> Text:
    """Untrusted text as inert Text (no markup, no control characters)."""
    if value is None:
        return Text("—", style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no", style="green" if value else "dim")
    if not isinstance(value, str):
        value = to_json(value, indent=None) if isinstance(value, dict | list) else str(value)
    return Text(safe_text(value, max_len=max_len, single_line=False))


def status_text(status: str) -> Text:
    glyph, colour = status_style(status)
    text = Text(f"{glyph} ", style=colour)
    text.append(safe_text(status, max_len=40), style=f"bold {colour}")
    return text


def _num(value: float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def usage_text(job: ExtractJob) -> Text:
    """Pages, credits or tokens: whichever the job has."""
    parts: list[str] = []
    metrics = job.usage_metrics
    if metrics is not None:
        if metrics.num_pages_extracted is not None:
            parts.append(f"{_num(metrics.num_pages_extracted)} pages extracted")
        if metrics.num_pages_billed is not None:
            parts.append(f"{_num(metrics.num_pages_billed)} billed")
        if metrics.num_document_tokens is not None or metrics.num_output_tokens is not None:
            parts.append(
                f"tokens {_num(metrics.num_document_tokens)} in / "
                f"{_num(metrics.num_output_tokens)} out"
            )
    if job.usage is not None and job.usage.credits is not None:
        credit = f"{_num(job.usage.credits)} credits"
        split = [
            f"{name} {_num(value)}"
            for name, value in (
                ("extract", job.usage.extract_credits),
                ("parse", job.usage.parse_credits),
            )
            if value is not None
        ]
        parts.append(credit + (f" ({', '.join(split)})" if split else ""))
    if not parts:
        return Text("—", style="dim")
    return Text(" · ".join(parts))


class OverviewPane(RenderedLines):
    """Ids, status, times, tier and target, usage, error, and a one-line result summary."""

    def __init__(self, now: Callable[[], datetime], **kw: Any) -> None:
        super().__init__(Text("Select a job in the tree.", style="dim"), **kw)
        self.now = now
        self.project_names: dict[str, str] = {}

    def show_message(self, message: str, style: str = "dim") -> None:
        # Messages name jobs and carry server errors: inert, like every other text here.
        self.update(inert(message, 4000, single_line=False, style=style))

    def show_job(
        self, job: ExtractJob, *, loading: bool = False, health: Text | None = None
    ) -> None:
        now = self.now()
        table = KeyValueRows()
        table.add_row("Job", plain(job.id))
        status = status_text(job.status)
        if not job.is_known_status:
            status.append("  (a status this explorer does not know)", style="dim")
        elif not job.is_terminal and job.created_at is not None:
            status.append(
                f"  for {humanize_duration((now - job.created_at).total_seconds())}",
                style="dim",
            )
        table.add_row("Status", status)
        if job.error_message:
            error = safe_text(job.error_message, 4000, single_line=False)
            table.add_row("Error", Text(error, style="red"))
        doc = plain(job.document)
        if job.file_name:
            doc = Text(safe_text(job.file_name, 200)).append(
                f"  {safe_text(job.document or '', 80)}", style="dim"
            )
        table.add_row("Document", doc)
        project = plain(job.project_id)
        if job.project_id in self.project_names:
            project = Text(safe_text(self.project_names[job.project_id], 80)).append(
                f"  {safe_text(job.project_id or '', 80)}", style="dim"
            )
        table.add_row("Project", project)
        config = plain(job.configuration_id or "(inline)")
        if job.configuration_id and job.configuration_name:
            config = Text(safe_text(job.configuration_name, 200)).append(
                f"  {safe_text(job.configuration_id, 80)}", style="dim"
            )
        table.add_row("Configuration", config)
        table.add_row("Parse job", plain(job.parse_job_id))
        for label, stamp in (("Created", job.created_at), ("Updated", job.updated_at)):
            text = Text(format_timestamp(stamp))
            if stamp is not None:
                text.append(f"  {humanize_seconds((now - stamp).total_seconds())} ago", "dim")
            table.add_row(label, text)
        if not job.is_terminal and job.created_at is not None:
            duration = Text(humanize_duration((now - job.created_at).total_seconds()))
            duration.append("  (so far)", style="dim")
        else:
            duration = Text(humanize_duration(job.duration_seconds))
        table.add_row("Duration", duration)
        config = job.configuration
        tier = config.tier if config else None
        tier_text = plain(tier)
        if tier in TIER_CREDITS_PER_PAGE:
            tier_text.append(f"  ({TIER_CREDITS_PER_PAGE[tier]} credits/page)", style="dim")
        table.add_row("Tier", tier_text)
        table.add_row("Target", plain(job.extraction_target))
        if config and config.parse_tier:
            table.add_row("Parse tier", plain(config.parse_tier))
        table.add_row("Usage", usage_text(job))
        table.add_row("Result", Text(result_shape(job)))
        # Always there (a dash until the analysis arrives), like the loading line below:
        # the Overview keeps its shape as the job fills in, so only changed lines repaint.
        table.add_row("Health", health if health is not None else Text("—", style="dim"))
        if job.cached_at is not None:
            copy = Text("from the local cache", style="yellow")
            copy.append(f"  kept {ago(job.cached_at, now)}; a finished job does not change", "dim")
            table.add_row("Copy", copy)
        if job.model_extra:
            names = ", ".join(sorted(job.model_extra))
            table.add_row("Other fields", Text(safe_text(names, 300), style="dim"))
        note = "Loading the full job…" if loading else ""
        parts: list[Any] = [table, Text(f"\n{note}", style="italic dim")]
        self.update(RichGroup(*parts))


SETTING_ORDER = (
    "extraction_target",
    "tier",
    "parse_tier",
    "cite_sources",
    "confidence_scores",
    "version",
    "extract_version",
    "lang",
    "target_pages",
    "max_pages",
    "parse_config_id",
    "advanced_citations",
    "disable_cache",
    "spreadsheet_mode",
    "sheet_names",
)


def schema_label(name: str | None, schema: Any, required: bool) -> Text:
    """``total: number (required) — Total amount due`` for one schema node."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if name is not None:
        text.append(safe_text(name, 60), style="bold")
        text.append(": ")
    if not isinstance(schema, dict):
        text.append(safe_text(to_json(schema, indent=None), 80))
        return text
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = " | ".join(str(k) for k in kind)
    if kind is None:
        kind = (
            "$ref " + str(schema["$ref"])
            if "$ref" in schema
            else ("anyOf" if "anyOf" in schema else "oneOf" if "oneOf" in schema else "any")
        )
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        item_type = schema["items"].get("type")
        if item_type:
            kind = f"array of {item_type}"
    text.append(safe_text(str(kind), 40), style="cyan")
    if schema.get("format"):
        text.append(f" ({safe_text(str(schema['format']), 30)})", style="cyan")
    if required:
        text.append(" required", style="yellow")
    if isinstance(schema.get("enum"), list):
        values = ", ".join(safe_text(str(v), 30) for v in schema["enum"][:12])
        text.append(f"  one of [{values}]", style="magenta")
    if schema.get("pattern"):
        text.append(f"  /{safe_text(str(schema['pattern']), 40)}/", style="magenta")
    if schema.get("description"):
        text.append(f"  — {safe_text(str(schema['description']), 200)}", style="dim")
    return text


def add_schema_nodes(parent: Any, name: str | None, schema: Any, required: bool, depth: int = 0):
    """Add one schema node and its children (properties, items, anyOf) to a Tree node."""
    label = schema_label(name, schema, required)
    if depth > 40 or not isinstance(schema, dict):
        parent.add_leaf(label)
        return
    children: list[tuple[str | None, Any, bool]] = []
    props = schema.get("properties")
    if isinstance(props, dict):
        req = schema.get("required") if isinstance(schema.get("required"), list) else []
        children += [(key, value, key in req) for key, value in props.items()]
    items = schema.get("items")
    if isinstance(items, dict) and (items.get("properties") or items.get("items")):
        children.append(("[items]", items, False))
    for combo in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(combo), list):
            children += [(f"{combo}[{i}]", s, False) for i, s in enumerate(schema[combo])]
    defs = schema.get("$defs") or schema.get("definitions")
    if isinstance(defs, dict) and depth == 0:
        children += [(f"$defs.{k}", v, False) for k, v in defs.items()]
    if not children:
        parent.add_leaf(label)
        return
    node = parent.add(label, expand=depth < 2)
    for child_name, child_schema, child_required in children[:500]:
        add_schema_nodes(node, child_name, child_schema, child_required, depth + 1)


class ConfigurationPane(VerticalScroll):
    """Every setting, the data schema as a collapsible tree, and the system prompt in full."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a job in the tree.", style="dim"), id="config-settings")
        yield Static(Text("Data schema", style="bold"), id="config-schema-title")
        yield Tree(Text("data_schema"), id="config-schema")
        yield Static("", id="config-prompt")

    def show_message(self, message: str) -> None:
        """No configuration to show (no job, or it is loading): say so, nothing else."""
        self.query_one("#config-settings", Static).update(
            inert(message, 4000, single_line=False, style="dim")
        )
        schema = self.query_one("#config-schema", Tree)
        schema.clear()
        schema.display = False
        self.query_one("#config-schema-title").display = False
        self.query_one("#config-prompt", Static).update("")

    def show_job(self, job: ExtractJob) -> None:
        settings = self.query_one("#config-settings", Static)
        tree: Tree = self.query_one("#config-schema", Tree)
        prompt = self.query_one("#config-prompt", Static)
        config = job.configuration
        tree.clear()
        if config is None:
            settings.update(
                Text(
                    "This job came without its configuration"
                    + (
                        f" (saved configuration {safe_text(job.configuration_id, 80)})."
                        if job.configuration_id
                        else "."
                    ),
                    style="dim",
                )
            )
            prompt.update("")
            tree.display = False
            self.query_one("#config-schema-title").display = False
            return
        tree.display = True
        self.query_one("#config-schema-title").display = True
        table = kv_table()
        table.add_row("Configuration id", plain(job.configuration_id or "(inline)"))
        values = config.model_dump(exclude={"data_schema", "system_prompt"}, exclude_unset=True)
        for key in SETTING_ORDER:
            if key in values:
                table.add_row(key, plain(values.pop(key)))
        for key, value in values.items():
            table.add_row(inert(key, 60), plain(value))  # a str cell would be markup
        settings.update(table)
        schema = config.data_schema
        tree.root.set_label(Text("data_schema", style="bold"))
        if isinstance(schema, dict):
            for name, sub, required in _top_fields(schema):
                add_schema_nodes(tree.root, name, sub, required)
        else:
            tree.root.add_leaf(schema_label(None, schema, False))
        tree.root.expand()
        if config.system_prompt:
            body = Text("System prompt\n", style="bold")
            body.append(safe_text(config.system_prompt, single_line=False))
            prompt.update(body)
        else:
            prompt.update(Text("No system prompt.", style="dim"))


def _top_fields(schema: dict) -> list[tuple[str | None, Any, bool]]:
    props = schema.get("properties")
    if isinstance(props, dict):
        req = schema.get("required") if isinstance(schema.get("required"), list) else []
        fields = [(k, v, k in req) for k, v in props.items()]
        defs = schema.get("$defs") or schema.get("definitions")
        if isinstance(defs, dict):
            fields += [(f"$defs.{k}", v, False) for k, v in defs.items()]
        return fields
    # Not an object schema with properties (the reference example is one): show it as it is.
    return [(key, value, False) for key, value in schema.items()] or [(None, schema, False)]
