"""Fuzz (issue 11): arbitrary strings into every place a string becomes screen content.

Strings mixing markup (``[b]``, ``[@click=app.quit]``, ``[link=x]``), ANSI and OSC escapes, C1,
bidi, zero-width characters, NUL and lone surrogates are put into a job's id, status, names,
error, configuration, schema, result and field metadata, then shown by the real widgets of a
running app: the tree (in every grouping), each pane (Overview, Configuration, Results, Fields,
field metadata), the status line, the command palette's hits, the dialogs (export, confirm,
copy), toasts, and the CLI's tables. Each must show the text literally (a ``[b]Z[/b]`` put in
front is still on screen, brackets and all), carry no click action or link, and hold no raw
control character.

One app runs per test; the examples drive its widgets synchronously in between (hypothesis
runs inside the pilot session), so a few hundred renders take seconds, not an app start each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.compose import compose
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static, Tree

from explorer.api.models import ExtractJob
from explorer.commands.jobs import job_summary, jobs_table
from explorer.core.analysis import analyze
from explorer.core.store import GROUPINGS
from explorer.tui.commands import JobCommands
from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.screens.copy import CopyScreen
from explorer.tui.screens.diff import job_caption
from explorer.tui.screens.export import ExportScreen
from explorer.tui.widgets.fields_pane import FieldsPane
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.results_pane import ResultsPane
from tests.reliability.drawn import (
    RAW,
    assert_drawn_inert,
    drain,
    drawn_by,
    hit_text,
    notification_of,
    palette_segments,
    segments_of,
    static_contents,
    tree_labels,
    walk,
    widget_lines,
)
from tests.reliability.screen_checks import job, jobs_app
from tests.tui.helpers import wait_until

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # two suite copies run at once: no shared example database
    suppress_health_check=list(HealthCheck),
)
#: Put in front of the fuzzed text: if markup were read, the brackets would be gone.
MARK = "[b]Z[/b]"
PIECES = [
    "[b]",
    "[/]",
    "[@click=app.quit]",
    "[@click=app.screenshot('x.svg','/tmp')]",
    "[link=x]",
    "[link=https://evil.example]L[/link]",
    "\x1b[2J",
    "\x1b]0;T\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1b]52;c;cm0K\x07",
    "\x1b[201~",
    "\x9b2J",
    "\x9d0;x\x9c",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
    "\x00",
    "\ud800",
    "\udfff",
    "\r",
    "\n",
    "\t",
    "$accent",
    ":smile:",
    "\\",
    "[",
    "]",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=6)), min_size=1, max_size=8
).map("".join)


def hostile_job(s: str, number: int) -> dict[str, Any]:
    """A job carrying ``MARK + s`` in every text field it has."""
    text = MARK + s
    # The configuration model refuses lone surrogates (the job is then unreadable, not shown):
    # there they are replaced; everywhere else they stay.
    conf = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    meta = {"confidence": 0.5, "reasoning": text, "citation": [{"page": 1, "matching_text": text}]}
    return job(
        f"ext-{MARK}{number}{s}",
        status=text,
        file_input=f"dfl-{text}",
        error_message=text,
        configuration_id=text,
        configuration={
            "data_schema": {"type": "object", "properties": {conf: {"description": conf}}},
            "extraction_target": "per_doc",
            "tier": conf,
            "system_prompt": conf,
            conf: conf,  # a setting this explorer does not know: its key is shown too
        },
        extract_result={text: text, "list": [text]},
        extract_metadata={"field_metadata": {"document_metadata": {text: meta}}},
        metadata={"file_name": text},
    )


# -- the app, its panes and dialogs ----------------------------------------------------------


class Shown:
    """One hostile job placed in the running app's store (and taken out again)."""

    def __init__(self, app, data: dict[str, Any]) -> None:
        self.app = app
        self.data = data
        self.job = ExtractJob.from_json(data)

    def __enter__(self) -> ExtractJob:
        self.app.store.add_job(self.job)
        self.app.store.remember_detail(self.job)
        self.app.main.tree.rebuild_project("prj-1")
        return self.job

    def __exit__(self, *exc: object) -> None:
        self.app.store.remove(self.job.id)
        self.app.main.tree.rebuild_project("prj-1")


async def test_fuzz_tree_status_line_palette_dialogs_and_toasts(tmp_path: Path) -> None:
    app = jobs_app(tmp_path, [job("ext-seed")])
    counter = iter(range(10**6))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: "ext-seed" in app.store.jobs)
        provider = JobCommands(app.screen)

        @FUZZ
        @given(hostile)
        def check(s: str) -> None:
            text = MARK + s
            with Shown(app, hostile_job(s, next(counter))) as shown:
                for grouping in GROUPINGS:
                    app.main.tree.grouping = grouping
                    app.main.tree.rebuild_all()
                    app.main.tree.root.expand_all()
                    assert_drawn_inert(tree_labels(app, app.main.tree), f"tree by {grouping}")
                app.main.tree.grouping = "status"
                app.main.tree.rebuild_all()
                assert_drawn_inert(tree_labels(app, app.main.tree), "tree", MARK)

                # As the palette asks: stripped, and only when something is typed.
                queries = {"go to job", f"go to job {shown.id}".strip(), s.strip()} - {""}
                for query in queries:
                    for hit in drain(provider.search(query)):
                        assert_drawn_inert(palette_segments(hit), "palette hit")
                hits = drain(provider.search("go to job"))
                assert any(f"ext-{MARK}" in hit_text(hit) for hit in hits)

                for screen, where in (
                    (ExportScreen(shown.id, tmp_path), "export"),
                    (ConfirmScreen(f"Cancel job {shown.id} ({text})?"), "confirm"),
                    (CopyScreen(text, {"job"}), "copy"),
                ):
                    widgets = [w for top in compose(screen) for w in walk(top)]
                    drawn = [seg for w in widgets for seg in drawn_by(app, w)]
                    assert_drawn_inert(drawn, where, MARK)
                    for box in (w for w in widgets if isinstance(w, Input)):
                        name = Path(box.value).name
                        assert re.fullmatch(r"[A-Za-z0-9._-]+", name), name
                        assert Path(box.value).parent == tmp_path
                assert_drawn_inert(segments_of(app, Text(job_caption(shown))), "diff caption")

                note = notification_of(app, text)
                assert not note.markup
                # A Toast draws Content(message) (markup off), tabs expanded like any Content.
                toast = Content("\n").join([Content(note.title), Content(note.message)])
                assert_drawn_inert(toast.expand_tabs().render_segments(), "toast", MARK)

                app.main.tree.filter_text = text
                app.main.update_status()
                status_left = app.query_one("#status-left", Static).content
                assert_drawn_inert(segments_of(app, status_left, 160), "status line", MARK)
                app.main.tree.filter_text = ""

        check()
        assert app.is_running
    assert app.worker_errors == []


async def test_fuzz_every_pane(tmp_path: Path) -> None:
    app = jobs_app(tmp_path, [job("ext-seed")], job_id="ext-seed")
    counter = iter(range(10**6))
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.panes.shown_job_id == "ext-seed")
        for tab in ("overview", "configuration", "results", "fields"):
            app.main.action_show_tab(tab)
            await pilot.pause(0.2)
            pane_check(app, tab, PANES[tab](app), counter)()
            assert app.is_running
    assert app.worker_errors == []


PANES = {
    "overview": lambda app: app.query_one(OverviewPane),
    "configuration": lambda app: app.query_one(ConfigurationPane),
    "results": lambda app: app.query_one(ResultsPane),
    "fields": lambda app: app.query_one(FieldsPane),
}


def pane_check(app, tab: str, pane: Widget, counter: Iterable[int]):
    """The fuzzed check of one pane (a function per pane: hypothesis takes no defaults)."""
    numbers = iter(counter)

    @FUZZ
    @given(hostile)
    def check(s: str) -> None:
        show_in_pane(app, tab, pane, hostile_job(s, next(numbers)))

    return check


def show_in_pane(app, tab: str, pane: Any, data: dict[str, Any]) -> None:
    """Show the job in one pane, then check every line it draws."""
    job_ = ExtractJob.from_json(data)
    if tab == "overview":
        pane.show_job(job_)
        assert_drawn_inert(widget_lines(pane), tab, f"ext-{MARK}")
        pane.show_message(f"Could not load {job_.id}: {job_.status}", style="red")
        assert_drawn_inert(widget_lines(pane), "overview message", f"ext-{MARK}")
    elif tab == "configuration":
        pane.show_job(job_)
        assert_drawn_inert(static_contents(app, pane), tab, MARK)
        assert_drawn_inert(tree_labels(app, pane.query_one(Tree)), "schema tree", MARK)
    elif tab == "results":
        pane.show_job(job_)
        pane.view.action_expand_all()
        assert_drawn_inert(widget_lines(pane.view), tab, MARK)
        assert_drawn_inert(static_contents(app, pane), "results header")
        path = next(iter(data["extract_result"]))
        assert pane.view.select_path((path,))
        meta = pane.meta_pane
        meta.show_field(data, (path,), data["extract_result"][path], True, problems=[path])
        assert_drawn_inert(segments_of(app, meta.content), "field metadata", MARK)
        pane.show_message(f"Could not load {job_.id}")
        assert_drawn_inert(static_contents(app, pane), "results message", f"ext-{MARK}")
    else:
        pane.set_analysis(analyze(data))
        assert_drawn_inert(widget_lines(pane.table), tab, MARK)
        assert_drawn_inert(static_contents(app, pane), "fields state")


# -- the CLI ---------------------------------------------------------------------------------


@FUZZ
@given(hostile)
def test_fuzz_cli_tables(s: str) -> None:
    data = hostile_job(s, 1)
    for where, printed in (
        ("jobs_table", jobs_table([ExtractJob.from_json(data)], full_ids=True)),
        ("job_summary", job_summary(data, file_name=MARK + s, configuration_name=MARK + s)),
    ):
        for line in printed.split("\n"):  # (splitlines would split at \x85 and hide it)
            raw = RAW.search(line)
            assert raw is None, f"{where}: raw {raw.group()!r} in {line!r}"
        assert MARK in printed, where  # the CLI writes text; markup is not its business
