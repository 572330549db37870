"""The right-hand side: Overview, Configuration, Results and Fields of the current job.

:class:`JobPanes` owns "the current job": one reactive, ``job_id``. Everything a pane shows is
derived from it and from the store: ``show`` makes a job current (its summary at once, the full
job when the store has it), ``job_arrived`` draws a newer copy in place, ``clear`` empties every
pane with one message. Hidden tabs catch up when they are shown (a job's schema tree and result
index cost more than the rest of a key press). The analysis of the current job (field rows,
schema check, health) runs here, in a thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import TabbedContent, TabPane

from explorer.api.models import ExtractJob
from explorer.core.errors import describe_error
from explorer.core.present import short_id
from explorer.core.store import JobStore
from explorer.tui.messages import JobAnalyzed
from explorer.tui.widgets.fields_pane import FieldsPane
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.results_pane import ResultsPane
from explorer.tui.workers import work

if TYPE_CHECKING:
    from explorer.core.analysis import Analysis
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.document import Document
    from explorer.core.fields import FieldRow
    from explorer.core.grounding import GroundingReport

TABS = ("overview", "configuration", "results", "fields")
#: Analyses kept (field rows are big: keep few).
KEEP_ANALYSES = 4
#: Seconds between two progress lines of a big analysis.
PROGRESS_EVERY = 0.25


class JobPanes(Vertical):
    """The tabs of the current job."""

    #: The one current job: what every pane is about (None: no job).
    job_id: reactive[str | None] = reactive(None, init=False)

    def __init__(self, store: JobStore, now: Callable[[], datetime], **kw: Any) -> None:
        super().__init__(**kw)
        self.store = store
        self.now = now
        #: The copy of the current job drawn now (its summary until the full job arrives).
        self.job: ExtractJob | None = None
        #: Whether ``job`` is the full copy.
        self._full = False
        #: What Results and Configuration say until the full copy arrives.
        self._waiting = ""
        #: Seconds the Overview clock has ticked (an old job's times redraw once a minute).
        self._ticks = 0
        #: tab -> the job id it was last filled with; hidden tabs catch up when shown
        self._filled: dict[str, str] = {}
        #: What the Fields tab shows for the current job: an analysis or a sentence.
        self._fields: Analysis | str | None = None
        self.analyses: dict[str, Analysis] = {}
        #: Set while the cursor moves over the tree in quick succession: the panes are about
        #: to show another job, so the Overview clock does not redraw this one meanwhile.
        self.cursor_moving = False

    def compose(self) -> ComposeResult:
        with TabbedContent(id="panes", initial="overview"):
            with TabPane("Overview", id="overview"):
                yield OverviewPane(self.now, id="overview-pane")
            with TabPane("Configuration", id="configuration"):
                yield ConfigurationPane(id="configuration-pane")
            with TabPane("Results", id="results"):
                yield ResultsPane(id="results-pane")
            with TabPane("Fields", id="fields"):
                yield FieldsPane(id="fields-pane")

    def on_mount(self) -> None:
        # The tab row is not a stop for Tab (1-4 switch tabs): Tab goes straight into a pane.
        from textual.widgets import Tabs

        self.tabs.query_one(Tabs).can_focus = False
        # Times in the Overview ("46 s ago", "RUNNING for 3 min") move on.
        self.set_interval(1.0, self.tick_overview)

    # -- typed children ---------------------------------------------------------------------

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    @property
    def active(self) -> str:
        return self.tabs.active

    @property
    def overview(self) -> OverviewPane:
        return self.query_one(OverviewPane)

    @property
    def configuration(self) -> ConfigurationPane:
        return self.query_one(ConfigurationPane)

    @property
    def results(self) -> ResultsPane:
        return self.query_one(ResultsPane)

    @property
    def fields(self) -> FieldsPane:
        return self.query_one(FieldsPane)

    @property
    def detail(self) -> ExtractJob | None:
        """The full copy of the current job, when it has arrived."""
        return self.store.details.get(self.job_id) if self.job_id is not None else None

    @property
    def shown_job_id(self) -> str | None:
        """The job whose full copy the panes draw now (None while only its summary is)."""
        return self.job.id if self.job is not None and self._full else None

    @property
    def loaded(self) -> bool:
        """Whether the panes draw the full job (not only its summary)."""
        return self._full

    # -- the one way in ---------------------------------------------------------------------

    def show(self, job_id: str) -> bool:
        """Make a job current and draw what the store has of it. Returns True when its full
        data is still to be fetched."""
        detail = self.store.details.get(job_id)
        if job_id == self.job_id and detail is not None and self.job is detail:
            return False
        self.job_id = job_id
        if detail is not None:
            self._draw(detail, keep_state=False)
            return False
        summary = self.store.jobs.get(job_id)
        self.job = summary
        self._full = False
        self._filled.clear()
        if summary is not None:
            self.overview.show_job(summary, loading=True)
        else:
            self.overview.show_message(f"Loading {short_id(job_id)}…")
        self._waiting = "Loading the full job…"
        self._fields = self._waiting
        self._fill(self.active)
        return True

    def job_arrived(self, job: ExtractJob) -> None:
        """A full copy of a job arrived (the store holds it): draw it if it is current.
        An unchanged copy keeps what is on screen; a changed one replaces it in place."""
        if job.id != self.job_id:
            return
        shown = self.job
        if (
            shown is not None
            and self.loaded
            and shown.status == job.status
            and shown.updated_at == job.updated_at
        ):
            self.job = job
            return
        self._draw(job, keep_state=self.loaded)

    def clear(self, message: str, style: str = "dim") -> None:
        """No current job: every pane says why."""
        self.job_id = None
        self.job = None
        self._full = False
        self._filled.clear()
        self._fields = None
        self.overview.show_message(message, style=style)
        self.configuration.show_message(message)
        self.results.show_message(message)
        self.fields.show_message(message)

    def failed(self, job_id: str, text: str) -> None:
        """The current job could not be fetched."""
        if job_id != self.job_id:
            return
        self.overview.show_message(text, style="red")
        self._waiting = text
        self._fields = text
        for tab in ("results", "configuration", "fields"):
            self._filled.pop(tab, None)
        self._fill(self.active)

    def reshow_overview(self) -> None:
        """Draw the Overview again (names, project names or the clock moved on)."""
        job = self.job
        if job is None:
            return
        if not self.loaded:
            self.overview.show_job(job, loading=True)
            return
        self.overview.show_job(job, health=self._health(job.id))

    def tick_overview(self) -> None:
        """Once a second: redraw the Overview when its times can have moved ("for 3 min",
        "46 s ago"): a job still running, or one that changed in the last hour; an older one
        once a minute ("2d ago" stays "2d ago")."""
        job = self.job
        if job is None or self.active != "overview" or self.cursor_moving:
            return
        self._ticks += 1
        stamp = job.updated_at or job.created_at
        recent = stamp is not None and (self.now() - stamp).total_seconds() < 3600
        if not job.is_terminal or recent or self._ticks % 60 == 0:
            self.reshow_overview()

    # -- drawing ----------------------------------------------------------------------------

    def _health(self, job_id: str) -> Text | None:
        analysis = self.analyses.get(job_id)
        if analysis is None:
            return None
        from explorer.core.analysis import health_line

        return Text(health_line(analysis))

    def _draw(self, job: ExtractJob, keep_state: bool) -> None:
        # Imported on first use: jsonschema is not needed for the first paint.
        from explorer.core.analysis import is_large

        if keep_state:
            # The job changed under us (live refresh): its old analysis is stale.
            self.analyses.pop(job.id, None)
        self.job = job
        self._full = True
        self.overview.show_job(job, health=self._health(job.id))
        if keep_state:
            # A live update of the job on screen: the visible panes show it in place.
            self._filled = {k: v for k, v in self._filled.items() if v != job.id}
        else:
            self._filled.clear()
        analysis = self.analyses.get(job.id)
        if analysis is not None:
            self._set_fields(analysis)
        elif job.extract_result is None:
            self._set_fields("No result: no fields.")
        elif is_large(job.to_json_dict()):
            self._set_fields(
                "A large result: press A to analyse every field (schema check, confidence)."
            )
        else:
            self._set_fields("Analysing fields…")
            self.analyze(job)
        self._fill(self.active, keep_state=keep_state)

    def _set_fields(self, content: Analysis | str) -> None:
        self._fields = content
        self._filled.pop("fields", None)

    def _fill(self, tab: str, keep_state: bool = False) -> None:
        """Bring one tab up to the current job."""
        job = self.job
        if job is None or self._filled.get(tab) == job.id:
            return
        if tab == "fields":
            content = self._fields
            if content is None:
                return
            if isinstance(content, str):
                self.fields.show_message(content)
            else:
                self.fields.set_analysis(content, keep_state=keep_state)
        elif not self._full:
            # Only the summary so far: the panes that need the full job say so (drawn only
            # when shown, so a cursor passing by costs none of them).
            if tab == "configuration":
                self.configuration.show_message(self._waiting)
            elif tab == "results":
                self.results.show_message(self._waiting)
            elif tab != "overview":
                return
        elif tab == "configuration":
            self.configuration.show_job(job)
        elif tab == "results":
            # keep_state: a new copy of the job already shown keeps cursor and expansions
            self.results.show_job(job, keep_state=keep_state)
            analysis = self.analyses.get(job.id)
            if analysis is not None:
                self.results.set_analysis(analysis)
        elif tab != "overview":
            return
        self._filled[tab] = job.id

    def show_tab(self, tab: str) -> None:
        """Switch to a tab and put the keyboard in it."""
        self.tabs.active = tab
        self._fill(tab)
        # Focus once the pane is visible: a hidden widget cannot take the keyboard.
        self.call_after_refresh(self.focus_tab)

    def focus_tab(self) -> None:
        tab = self.active
        if tab == "results":
            self.results.focus_view()
        elif tab == "fields":
            self.fields.table.focus()
        elif tab == "overview":
            self.overview.focus()
        elif tab == "configuration":
            self.configuration.focus()

    @on(TabbedContent.TabActivated)
    def on_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill(self.active)

    # -- analysis ---------------------------------------------------------------------------

    def analyze_all(self) -> str:
        """``A``: analyse the current job however large; returns what to tell the user."""
        job = self.detail
        if job is None or job.extract_result is None:
            return "No result to analyse."
        self._set_fields("Analysing every field…")
        self._fill(self.active)
        self.analyze(job)
        return "Analysing every field of a large result…"

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def analyze(self, job: ExtractJob) -> None:
        """Field rows, schema check and health, in a thread (jsonschema is slow on big jobs)."""
        from explorer.core.analysis import Analysis, analyze

        fetched = self.app.documents.get(job.id)  # type: ignore[attr-defined]
        document = fetched.document if fetched is not None else None
        last = [0.0]

        def progress(what: str, fraction: float) -> None:
            # a few redraws a second: the Fields pane says how far it is
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self.app.call_from_thread(self._analysis_progress, job.id, what, fraction)

        try:
            analysis = analyze(job.to_json_dict(), document=document, progress=progress)
        except Exception as exc:  # shown, never raised
            self.post_message(JobAnalyzed(Analysis(job.id), describe_error(exc)))
            return
        self.post_message(JobAnalyzed(analysis))

    def _analysis_progress(self, job_id: str, what: str, fraction: float) -> None:
        """A big analysis moved on: say where it is, while that job is the one shown."""
        if job_id == self.job_id and job_id not in self.analyses:
            self._set_fields(f"Analysing every field… {what}, {fraction:.0%} done")
            if self.active == "fields":
                self._fill("fields")

    def on_job_analyzed(self, message: JobAnalyzed) -> None:
        message.stop()
        if not self.is_attached:
            return
        analysis = message.analysis
        if message.error:
            self.app.notify(
                f"Could not analyse {short_id(analysis.job_id)}: {message.error}",
                severity="error",
                timeout=6,
            )
            if analysis.job_id == self.job_id:
                self._set_fields(f"Could not analyse the fields: {message.error}")
                self._fill(self.active)
            return
        self.analyses[analysis.job_id] = analysis
        while len(self.analyses) > KEEP_ANALYSES:
            self.analyses.pop(next(iter(self.analyses)))
        if analysis.job_id != self.job_id or not self.loaded:
            return
        self.reshow_overview()
        if self._filled.get("results") == analysis.job_id:
            self.results.set_analysis(analysis)
        self._set_fields(analysis)
        self._fill(self.active)
        job = self.detail
        report = analysis.grounding
        unchecked = report is not None and not report.with_document
        if job is not None and unchecked and any(r.citations for r in analysis.rows[:5_000]):
            self.app.want_document(job)  # type: ignore[attr-defined]
        self.screen_changed(analysis)

    def screen_changed(self, analysis: Analysis) -> None:
        """Tell an open Source view that the analysis was checked again."""
        from explorer.tui.screens.source import SourceScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, SourceScreen):
                screen.analysis_changed(analysis)

    # -- the document -------------------------------------------------------------------------

    def document_arrived(self, job_id: str, fetched: FetchedDocument) -> None:
        """The job's document came: check its analysis's citations against it."""
        analysis = self.analyses.get(job_id)
        if analysis is not None and fetched.document is not None:
            self._reground(analysis, fetched.document)

    @work(thread=True, group="reground", exit_on_error=False)
    def _reground(self, analysis: Analysis, document: Document) -> None:
        from explorer.core.grounding import check_grounding

        try:
            report = check_grounding(
                analysis.rows, analysis.configuration, document, analysis.failed
            )
        except Exception as exc:  # shown, never raised
            self.app.call_from_thread(
                self.app.notify, f"Could not check the citations: {describe_error(exc)}"
            )
            return
        self.app.call_from_thread(self._regrounded, analysis, report)

    def _regrounded(self, analysis: Analysis, report: GroundingReport) -> None:
        from explorer.core.analysis import set_grounding

        set_grounding(analysis, report)
        self.post_message(JobAnalyzed(analysis))

    @on(FieldsPane.OpenField)
    def on_open_field(self, message: FieldsPane.OpenField) -> None:
        message.stop()
        self.show_tab("results")
        self.results.select_path(message.path)

    # -- what is under the cursor -----------------------------------------------------------

    def cursor_field(self) -> tuple[tuple | None, Any, FieldRow | None]:
        """(path, value, field row) under the cursor in Results or Fields, if any."""
        if self.fields.has_focus_within:
            row = self.fields.current_row()
            if row is not None:
                return row.path, row.value, row
        if self.results.has_focus_within:
            path, value = self.results.cursor_field()
            if path is not None:
                return tuple(path), value, self.field_row(tuple(path), value)
        return None, None, None

    def field_row(self, path: tuple, value: Any) -> FieldRow | None:
        """The field row of a path: from the analysis when there is one, else built from the
        job's metadata for that path alone (a big job is not analysed to copy one row)."""
        analysis = self.analyses.get(self.job_id or "")
        if analysis is not None:
            row = next((r for r in analysis.rows if r.path == path), None)
            if row is not None:
                return row
        job = self.detail
        if job is None:
            return None
        from explorer.core.fields import FieldRow, metadata_for

        return FieldRow(path, value, meta=metadata_for(job.to_json_dict(), path))
