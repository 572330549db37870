"""The Textual app: job tree on the left, Overview / Configuration / Results panes on the right.

Workers call the :class:`~explorer.core.source.JobSource` and post messages; handlers update
widgets. Live refresh follows :class:`~explorer.core.watcher.RefreshWatcher`: a timer that
reschedules itself after each refresh finishes, so two refreshes never overlap.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input, Static, TabbedContent, TabPane

from explorer.api.client import RetryEvent
from explorer.api.errors import NotFoundError
from explorer.api.models import ExtractJob
from explorer.core.heap import HeapSettler
from explorer.core.jsonpath import format_path
from explorer.core.present import clip, humanize_duration, short_id
from explorer.core.sanitize import safe_text
from explorer.core.source import JobSource, is_page_of
from explorer.core.store import GROUPINGS, JobStore
from explorer.core.watcher import RefreshWatcher, WatchPlan
from explorer.settings import Settings
from explorer.tui.commands import JobCommands
from explorer.tui.errors import describe_error, retry_after_of
from explorer.tui.inert import inert_str
from explorer.tui.keymap import KeymapCheck, binding_chains, check_keymap
from explorer.tui.messages import (
    ActionDone,
    JobAnalyzed,
    JobFailed,
    JobLoaded,
    NamesLearned,
    PageFailed,
    PageLoaded,
    ProjectsLoaded,
    RefreshDone,
    RefreshFailed,
)
from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.screens.copy import CopyScreen, clipboard_text
from explorer.tui.screens.diff import DiffScreen
from explorer.tui.screens.export import ExportChoice, ExportScreen, save_text
from explorer.tui.screens.help import HelpScreen
from explorer.tui.widgets.fields_pane import FieldsPane
from explorer.tui.widgets.footer import QuietFooter
from explorer.tui.widgets.job_tree import JobTree
from explorer.tui.widgets.panes import ConfigurationPane, OverviewPane
from explorer.tui.widgets.results_pane import ResultsPane

if TYPE_CHECKING:
    from explorer.api.models import JobPage
    from explorer.core.analysis import Analysis

TABS = ("overview", "configuration", "results", "fields")


class ExplorerApp(App[int]):
    """extract-explorer's TUI. Built with its data source injected, so tests can drive it."""

    CSS_PATH = "explorer.tcss"
    TITLE = "extract-explorer"
    COMMANDS = App.COMMANDS | {JobCommands}

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("r", "refresh_now", "Refresh", id="app.refresh"),
        Binding("p", "toggle_pause", "Pause", id="app.pause"),
        Binding("g", "cycle_grouping", "Group", id="app.grouping"),
        Binding("colon", "goto_job", "Go to job", id="app.goto"),
        Binding("1", "show_tab('overview')", "Overview", show=False, id="app.tab.overview"),
        Binding("2", "show_tab('configuration')", "Config", show=False, id="app.tab.config"),
        Binding("3", "show_tab('results')", "Results", show=False, id="app.tab.results"),
        Binding("4", "show_tab('fields')", "Fields", show=False, id="app.tab.fields"),
        Binding("A", "analyze", "Analyse", show=False, id="app.analyze"),
        Binding("y", "copy", "Copy", id="app.copy"),
        Binding("E", "export", "Export", show=False, id="app.export"),
        Binding("d", "diff", "Diff marked", show=False, id="app.diff"),
        Binding("t", "toggle_tree", "Hide tree", show=False, id="app.toggle_tree"),
        Binding("X", "cancel_job", "Cancel job", show=False, id="app.cancel"),
        Binding("D", "delete_job", "Delete job", show=False, id="app.delete"),
        Binding("escape", "escape", "Back", show=False, id="app.escape"),
        # The driver turns ISIG off, so Ctrl+Z is a key: suspend as a shell user expects (the
        # screen is redrawn on `fg`, see explorer.tui.signals).
        Binding("ctrl+z", "suspend_process", "Suspend", show=False, id="app.suspend"),
    ]

    def __init__(
        self,
        settings: Settings,
        source: JobSource,
        *,
        job_id: str | None = None,
        demo_url: str | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.source = source
        self.start_job_id = job_id
        self.demo_url = demo_url
        self.on_close = on_close
        self.now = now or (lambda: datetime.now(UTC))
        self.store = JobStore()
        self.heap = HeapSettler(lambda: self.store.loaded)
        self.watcher = RefreshWatcher(
            min_interval=settings.refresh,
            max_interval=max(5.0, settings.refresh * 5),
            list_interval=settings.list_refresh,
            clock=monotonic,
        )
        self.current_job_id: str | None = None
        #: The job whose full data the panes show now.
        self._shown_job: ExtractJob | None = None
        #: pane (tab id) -> the job id it shows; hidden panes catch up when they are shown
        self._pane_shows: dict[str, str] = {}
        self._status_texts: dict[str, Text] = {}
        self._fields_content: Analysis | str | None = None
        #: The cursor's latest job, opened a frame after the cursor is painted.
        self._highlighted: JobTree.JobHighlighted | None = None
        #: The default project's first page when it came with the projects (prefetched).
        self._ready_page: JobPage | None = None
        #: Analyses of the last few jobs shown (field rows are big; keep few).
        self.analyses: dict[str, Analysis] = {}
        #: Jobs marked for a diff (at most two, oldest first).
        self.marked: list[str] = []
        self.default_project: str | None = None
        self._tick_timer: Timer | None = None
        self._tick_due = 0.0
        #: (reason, when the next try happens) while the client waits to retry.
        self._retry_note: tuple[str, float] | None = None
        if not settings.animation:
            self.animation_level = "none"
        #: The config's keymap as applied: entries that cannot work are left out and named
        #: in a notification once the app is up (see explorer.tui.keymap).
        self.keymap_check = (
            check_keymap(settings.keymap, binding_chains(type(self)))
            if settings.keymap
            else KeymapCheck()
        )
        if self.keymap_check.accepted:
            self.set_keymap(self.keymap_check.accepted)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: str = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts carry job data: never parse them as markup unless asked, and make them inert
        (control characters escaped, line breaks kept) when not."""
        if not markup:
            message = inert_str(message, 2000, single_line=False)
            title = inert_str(title, 200)
        super().notify(
            message,
            title=title,
            severity=severity,
            timeout=timeout,
            markup=markup,  # type: ignore[arg-type]
        )

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.demo_url:
            yield Static(
                Text.assemble(
                    ("DEMO ", "bold reverse"),
                    " no LLAMA_CLOUD_API_KEY set: exploring the embedded simulator at ",
                    (self.demo_url, "bold"),
                    ". Set the key to see your own jobs.",
                ),
                id="demo-banner",
            )
        elif not self.source.live:
            yield Static(
                Text.assemble(("OFFLINE ", "bold reverse"), " browsing job files; no network."),
                id="demo-banner",
            )
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter: id, document, status…", id="filter")
                yield JobTree(self.store, self.now, id="job-tree")
            with TabbedContent(id="panes", initial="overview"):
                with TabPane("Overview", id="overview"):
                    yield OverviewPane(self.now, id="overview-pane")
                with TabPane("Configuration", id="configuration"):
                    yield ConfigurationPane(id="configuration-pane")
                with TabPane("Results", id="results"):
                    yield ResultsPane(id="results-pane")
                with TabPane("Fields", id="fields"):
                    yield FieldsPane(id="fields-pane")
        with Horizontal(id="status-bar"):
            yield Static("", id="status-left")
            yield Static("", id="status-right")
        yield QuietFooter()

    @property
    def shutting_down(self) -> bool:
        """Timers and late messages can fire while the app exits: they must do nothing then."""
        return not self.is_running or not self.screen_stack

    @property
    def shown_job_id(self) -> str | None:
        """The job whose full data the panes show now."""
        return self._shown_job.id if self._shown_job is not None else None

    @property
    def tree(self) -> JobTree:
        return self.query_one(JobTree)

    def _on_retry(self, event: RetryEvent) -> None:
        """The client is waiting before a retry: say why on the status line meanwhile."""
        if event.status == 429:
            reason = "rate limited"
        elif event.status is not None:
            reason = f"server error {event.status}"
        else:
            reason = "offline"
        self._retry_note = (reason, self.watcher.clock() + event.delay)
        if not self.shutting_down:
            self.update_status()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.heap.input_seen()  # no heap settling while the user is busy
        await super().on_event(event)

    def on_mount(self) -> None:
        client = getattr(self.source, "client", None)
        if client is not None and getattr(client, "on_retry", None) is None:
            client.on_retry = self._on_retry
        self.query_one("#filter", Input).display = False
        self.tree.focus()
        self.tree.show_problems(self.source.problems)
        self.watcher.started()
        take = getattr(self.source, "take_prefetched", None)
        early = take() if take is not None else None
        if early is not None:
            # Fetched while the app was starting: the first frame shows the jobs.
            projects, self._ready_page = early
            self.on_projects_loaded(ProjectsLoaded(projects))
        else:
            self.load_projects()
        if self.start_job_id:
            self.load_job(self.start_job_id, focus=True)
        self.set_interval(1.0, self.update_status)
        self.set_interval(15.0, self.tree.relabel_ages)
        self.set_interval(0.5, self.heap.tick)
        self.update_status()
        self.on_resize()
        self.call_after_refresh(self.heap.started)
        # After the first frame: a toast sent before the screen is up is never drawn.
        self.call_after_refresh(self._tell_keymap_problems)

    def _tell_keymap_problems(self) -> None:
        for problem in self.keymap_check.problems:
            self.notify(problem, title="Keymap", severity="warning", timeout=20)

    def on_resize(self, event: events.Resize | None = None) -> None:
        # At 80x24 (SSH) the tree and panes still fit side by side, narrower. The event's size
        # is the new one; ``self.size`` may still be the old one while the event is handled.
        # Every screen of the stack: a dialog open during the resize must not keep the old
        # layout for the main screen under it.
        width = event.size.width if event is not None else self.size.width
        for screen in self.screen_stack:
            screen.set_class(width < 110, "-narrow")

    async def on_unmount(self) -> None:
        self.heap.release()
        if self.on_close is not None:
            await self.on_close()

    # -- status line ------------------------------------------------------------------------

    def update_status(self) -> None:
        if self.shutting_down:
            return
        left = Text(no_wrap=True, overflow="ellipsis")
        if self.demo_url:
            left.append("demo ", style="bold yellow")
        elif not self.source.live:
            left.append("offline files ", style="bold")
        else:
            left.append(safe_text(self.settings.base_url, 60) + " ", style="dim")
        left.append(f"group: {self.tree.grouping}")
        if self.tree.filter_text:
            left.append(f"  filter: {safe_text(self.tree.filter_text, 30)}", style="yellow")
        if self.settings.read_only:
            left.append("  read-only", style="bold")
        right = Text(no_wrap=True, justify="right")
        if self.source.live:
            state = self.watcher.describe()
            note = self._retry_note
            if note is not None and self.watcher.in_flight:
                wait = note[1] - self.watcher.clock()
                if wait > -1:
                    state = f"{note[0]}, next try in {max(0, round(wait))} s"
            style = "red" if self.watcher.last_error else "yellow" if self.watcher.paused else "dim"
            if state.startswith(("rate limited", "server error", "offline")):
                style = "yellow" if not self.watcher.last_error else "red"
            right.append(inert_str(state, 120), style=style)  # may quote a server's error
            active = len(self.watcher.active_ids)
            if active:
                right.append(f"  {active} running", style="yellow")
        else:
            right.append(f"{len(self.store.jobs)} jobs", style="dim")
            if self.source.problems:
                right.append(f", {len(self.source.problems)} unreadable", style="red")
        self._set_status("#status-left", left)
        self._set_status("#status-right", right)

    def _set_status(self, selector: str, text: Text) -> None:
        """Update a status-line cell only when its text changed; a layout pass only when its
        width did (the left cell is 1fr, the right one as wide as its text)."""
        old = self._status_texts.get(selector)
        if old == text:
            return
        self._status_texts[selector] = text
        resized = selector == "#status-right" and (old is None or old.cell_len != text.cell_len)
        self.query_one(selector, Static).update(text, layout=resized)

    # -- loading ----------------------------------------------------------------------------

    @work(exclusive=True, group="projects", exit_on_error=False)
    async def load_projects(self) -> None:
        try:
            projects = await self.source.projects()
        except Exception as exc:
            # The watcher owns the retry: the status line counts down, then tick() tries again.
            self.post_message(RefreshFailed(describe_error(exc), retry_after_of(exc)))
            return
        self.post_message(ProjectsLoaded(projects))

    def on_projects_loaded(self, message: ProjectsLoaded) -> None:
        if self.shutting_down:
            return
        if self.watcher.in_flight:
            self.watcher.finished(WatchPlan())
        self.store.set_projects(message.projects)
        for note in self.source.notes:
            self.notify(note, severity="warning", timeout=20)
        self.source.notes.clear()
        names = {p.id: p.label for p in message.projects}
        self.query_one(OverviewPane).project_names.update(names)
        if self.default_project is None and message.projects:
            self.default_project = message.projects[0].id
        self.tree.set_projects(expand=self.default_project)
        # Shown before the projects were known: now with its project's name.
        self._reshow_overview()
        ready, self._ready_page = self._ready_page, None
        state = self.store.projects.get(self.default_project or "")
        if ready and state and not state.loaded and is_page_of(ready, state.project.id):
            # Prefetched while the app started: on screen in this frame, no request.
            state.loading = True
            self.on_page_loaded(PageLoaded(state.project.id, ready, True))
        elif self.default_project:
            self.request_page(self.default_project)
        self.schedule_tick(self.watcher.next_delay())

    def _reshow_overview(self) -> None:
        """Draw the Overview of the shown job again (names or project names arrived)."""
        shown = self._shown_job
        if shown is None:
            return
        from explorer.core.analysis import health_line

        analysis = self.analyses.get(shown.id)
        health = Text(health_line(analysis)) if analysis is not None else None
        self.query_one(OverviewPane).show_job(shown, health=health)

    @work(group="names", exit_on_error=False)
    async def name_jobs(self, jobs: list[ExtractJob]) -> None:
        """Ask for the file and configuration names of jobs just shown (never blocks them)."""
        try:
            learned = await self.source.name(jobs)
        except Exception:  # a name is decoration: the id stays on screen
            return
        if learned:
            self.post_message(NamesLearned([job.id for job in jobs]))

    def on_names_learned(self, message: NamesLearned) -> None:
        if self.shutting_down:
            return
        # Refreshes may have replaced the job objects meanwhile: name what the store holds.
        jobs = [self.store.jobs[i] for i in message.job_ids if i in self.store.jobs]
        self.source.apply_names(jobs)
        self.source.apply_names(self.store.details.values())
        if self.tree.grouping in ("document", "configuration"):
            # the names are the group labels too
            for project_id in {job.project_id for job in jobs if job.project_id}:
                if project_id in self.store.projects:
                    self.tree.rebuild_project(project_id)
        else:
            for job in jobs:
                self.tree.refresh_job(job)  # relabel in place: nothing moves
        if self._shown_job is not None and self._shown_job.id in message.job_ids:
            self._reshow_overview()

    def request_page(self, project_id: str, first: bool = False) -> None:
        state = self.store.projects.get(project_id)
        if state is None or state.loading:
            return
        if not first and state.loaded and state.next_token is None:
            return
        state.loading = True
        self.tree.rebuild_project(project_id)
        token = None if first or not state.loaded else state.next_token
        self.load_page(project_id, token, first or not state.loaded)

    @work(group="pages", exit_on_error=False)
    async def load_page(self, project_id: str, token: str | None, first: bool) -> None:
        try:
            page = await self.source.page(project_id, token, self.settings.page_size)
        except Exception as exc:
            self.post_message(PageFailed(project_id, describe_error(exc), retry_after_of(exc)))
            return
        self.post_message(PageLoaded(project_id, page, first))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if self.shutting_down:
            return
        page = message.page
        self.store.projects[message.project_id].loading = False
        self.store.add_page(
            message.project_id,
            page.items,
            page.next_page_token,
            int(page.total_size) if page.total_size is not None else None,
            first=message.first,
        )
        self.track(page.items)
        self.tree.rebuild_project(message.project_id)
        if self.current_job_id is None and not self.start_job_id:
            # Start on a job, not on an empty pane.
            first = self.tree.first_job_id(message.project_id)
            if first is not None:
                self.tree.select_job(first)
        self.update_status()

    def on_page_failed(self, message: PageFailed) -> None:
        if self.shutting_down:
            return
        state = self.store.projects.get(message.project_id)
        if state is not None:
            state.loading = False
            state.error = message.error
            self.tree.rebuild_project(message.project_id)
            if not state.loaded and self.source.live:
                # Nothing of this project on screen yet: keep trying, backing off.
                delay = self.watcher.failed(message.error, message.retry_after)
                self.set_timer(delay, partial(self.request_page, message.project_id))
                self.update_status()
        self.notify(f"Could not load jobs: {message.error}", severity="error", timeout=6)

    @on(JobTree.LoadMore)
    def on_load_more(self, message: JobTree.LoadMore) -> None:
        if self.shutting_down:
            return
        self.request_page(message.project_id)

    @on(JobTree.JobHighlighted)
    def on_job_highlighted(self, message: JobTree.JobHighlighted) -> None:
        # The moved cursor is painted first, the job's panes a frame later: a key press shows
        # at once however much the panes cost, and a held key opens only where it stops.
        first = self._highlighted is None
        self._highlighted = message
        if first:
            self.call_after_refresh(self._open_highlighted)

    def _open_highlighted(self) -> None:
        message, self._highlighted = self._highlighted, None
        # Only if the tree still has it selected: a "go to job" since then moved on.
        if message is not None and message.job_id == message.tree.selected_job_id:
            self.open_job(message.job_id)

    def open_job(self, job_id: str) -> None:
        """Show a job in the panes: its summary at once, the full job when it arrives."""
        if self.shutting_down:
            return
        # A highlight still waiting to open (the cursor passing by) is older than this.
        self._highlighted = None
        if job_id == self.current_job_id and job_id in self.store.details:
            return
        self.current_job_id = job_id
        detail = self.store.details.get(job_id)
        if detail is not None:
            self.show_job(detail)
            return
        summary = self.store.jobs.get(job_id)
        if summary is not None:
            self.query_one(OverviewPane).show_job(summary, loading=True)
        self._results_message("Loading the full job…")
        self.load_job(job_id, debounce=0.1)

    def load_job(self, job_id: str, focus: bool = False, debounce: float = 0.0) -> None:
        """Fetch the full job. Cursor moves replace each other's fetches; a "go to job" (focus)
        has its own lane so a passing cursor cannot cancel it."""
        if focus:
            self._highlighted = None  # this choice is newer than any pending highlight
            self.current_job_id = job_id
            self._fetch_focused(job_id)
        else:
            self._fetch_job(job_id, debounce)

    @work(exclusive=True, group="goto", exit_on_error=False)
    async def _fetch_focused(self, job_id: str) -> None:
        await self._fetch(job_id, True)

    @work(exclusive=True, group="job", exit_on_error=False)
    async def _fetch_job(self, job_id: str, debounce: float) -> None:
        if debounce:
            # Holding an arrow key over the tree must not fire a request per job.
            import asyncio

            await asyncio.sleep(debounce)
        await self._fetch(job_id, False)

    async def _fetch(self, job_id: str, focus: bool) -> None:
        try:
            job = await self.source.job(job_id)
        except Exception as exc:
            self.post_message(
                JobFailed(job_id, describe_error(exc), isinstance(exc, NotFoundError))
            )
            return
        self.post_message(JobLoaded(job, focus))

    def on_job_loaded(self, message: JobLoaded) -> None:
        if self.shutting_down:
            return
        job = message.job
        known = job.id in self.store.jobs
        previous = self.store.details.get(job.id)
        self.store.remember_detail(job)
        self.track([job])
        if message.focus:
            if not known:
                self.store.add_job(job)
                # A job of a project not listed yet (e.g. --project elsewhere) gets its node.
                self.tree.set_projects(expand=job.project_id)
                self.tree.rebuild_project(job.project_id or "")
            self.current_job_id = job.id
            if not self.tree.select_job(job.id):
                self.notify(f"{short_id(job.id)} is hidden by the filter", timeout=4)
        else:
            self.tree.refresh_job(job)
        if job.id == self.current_job_id:
            unchanged = (
                previous is not None
                and previous.status == job.status
                and previous.updated_at == job.updated_at
                and self.shown_job_id == job.id
            )
            # A second fetch of an unchanged job (cursor came back) keeps what is on screen.
            if not unchanged:
                self.show_job(job, keep_state=previous is not None)

    def on_job_failed(self, message: JobFailed) -> None:
        if self.shutting_down:
            return
        if message.job_id == self.current_job_id or message.not_found:
            text = f"Could not load {message.job_id}: {message.error}"
            self.query_one(OverviewPane).show_message(text, style="red")
            self._results_message(text)
            self.notify(safe_text(text, 200), severity="error", timeout=6)

    def show_job(self, job: ExtractJob, keep_state: bool = False) -> None:
        # Imported on first use: jsonschema is not needed for the first paint.
        from explorer.core.analysis import health_line, is_large

        analysis = self.analyses.get(job.id)
        if keep_state:
            # The job changed under us (live refresh): its old analysis is stale.
            analysis = self.analyses.pop(job.id, None) and None
        health = Text(health_line(analysis)) if analysis is not None else None
        self.query_one(OverviewPane).show_job(job, health=health)
        self._shown_job = job
        if not keep_state:
            self._pane_shows.clear()
        else:
            # A live update of the job on screen: every pane shows the new copy, in place.
            self._pane_shows = {k: v for k, v in self._pane_shows.items() if v != job.id}
            self._fill_pane("configuration")
            self._fill_pane("results", keep_state=True)
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
            self.analyze_job(job)
        self._fill_pane(self.query_one(TabbedContent).active)

    def _set_fields(self, content: Analysis | str) -> None:
        """What the Fields view shows for the job on screen: filled when it is visible."""
        self._fields_content = content
        self._pane_shows.pop("fields", None)

    def _fill_pane(self, tab: str, keep_state: bool = False) -> None:
        """Bring one pane up to the job on screen. Only the visible pane is filled as the cursor
        moves (a job's schema tree and result index cost more than the rest of a key press);
        the others catch up when their tab is shown."""
        job = self._shown_job
        if job is None or self._pane_shows.get(tab) == job.id:
            return
        if tab == "fields":
            content = self._fields_content
            if content is None:
                return
            if isinstance(content, str):
                self.query_one(FieldsPane).show_message(content)
            else:
                self.query_one(FieldsPane).set_analysis(content)
        elif tab == "configuration":
            self.query_one(ConfigurationPane).show_job(job)
        elif tab == "results":
            pane = self.query_one(ResultsPane)
            # keep_state: a new copy of the job already shown keeps cursor and expansions
            pane.show_job(job, keep_state=keep_state)
            analysis = self.analyses.get(job.id)
            if analysis is not None:
                pane.set_analysis(analysis)
        else:
            return
        self._pane_shows[tab] = job.id

    def _results_message(self, text: str) -> None:
        self._pane_shows.pop("results", None)
        self.query_one(ResultsPane).show_message(text)

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def analyze_job(self, job: ExtractJob) -> None:
        """Field rows, schema check and health, in a thread (jsonschema is slow on big jobs)."""
        from explorer.core.analysis import Analysis, analyze

        try:
            analysis = analyze(job.to_json_dict())
        except Exception as exc:  # shown, never raised
            self.post_message(JobAnalyzed(Analysis(job.id), describe_error(exc)))
            return
        self.post_message(JobAnalyzed(analysis))

    def on_job_analyzed(self, message: JobAnalyzed) -> None:
        from explorer.core.analysis import health_line

        if self.shutting_down:
            return
        analysis = message.analysis
        if message.error:
            self.notify(
                f"Could not analyse {short_id(analysis.job_id)}: {message.error}",
                severity="error",
                timeout=6,
            )
            return
        self.analyses[analysis.job_id] = analysis
        while len(self.analyses) > 4:
            self.analyses.pop(next(iter(self.analyses)))
        if analysis.job_id != self.current_job_id:
            return
        job = self.store.details.get(analysis.job_id)
        if job is not None:
            self.query_one(OverviewPane).show_job(job, health=Text(health_line(analysis)))
        if self._pane_shows.get("results") == analysis.job_id:
            self.query_one(ResultsPane).set_analysis(analysis)
        self._set_fields(analysis)
        self._fill_pane(self.query_one(TabbedContent).active)

    def action_analyze(self) -> None:
        job = self._target_job()
        if job is None or job.extract_result is None:
            self.notify("No result to analyse.", timeout=3)
            return
        self._set_fields("Analysing every field…")
        self._fill_pane(self.query_one(TabbedContent).active)
        self.notify("Analysing every field of a large result…", timeout=3)
        self.analyze_job(job)

    @on(FieldsPane.OpenField)
    def on_open_field(self, message: FieldsPane.OpenField) -> None:
        self.action_show_tab("results")
        self.query_one(ResultsPane).select_path(message.path)

    # -- live refresh -----------------------------------------------------------------------

    def track(self, jobs: list[ExtractJob]) -> list:
        """Tell the watcher about jobs seen; wake it sooner if one of them is running."""
        changes = self.watcher.track((job.id, job.status) for job in jobs)
        unnamed = [
            job
            for job in jobs
            if (job.file_name is None and (job.document or "").startswith("dfl-"))
            or (job.configuration_id and job.configuration_name is None)
        ]
        if unnamed and self.source.live:
            self.name_jobs(unnamed)
        if self.source.live and not self.watcher.in_flight:
            delay = self.watcher.next_delay()
            if self._tick_timer is None or delay < self._tick_due - self.watcher.clock():
                self.schedule_tick(delay)
        return changes

    def schedule_tick(self, delay: float) -> None:
        if not self.source.live:
            return
        if self._tick_timer is not None:
            self._tick_timer.stop()
        self._tick_due = self.watcher.clock() + max(0.05, delay)
        self._tick_timer = self.set_timer(max(0.05, delay), self.tick)

    def tick(self, force: bool = False) -> None:
        """Start a refresh if one is due; otherwise sleep until one will be."""
        if self.shutting_down:
            return
        if isinstance(self.screen, ConfirmScreen) and not force:
            # Like dolphie: no refresh under a modal question.
            self.schedule_tick(1.0)
            return
        if not self.store.projects:
            # Start-up never got the projects (server down, key rejected): try again.
            if not self.watcher.in_flight:
                self.watcher.started()
                self.update_status()
                self.load_projects()
            return
        plan = self.watcher.due(force=force)
        if not plan:
            if not self.watcher.in_flight:
                self.schedule_tick(self.watcher.next_delay())
            return
        self.watcher.started()
        self.update_status()
        self.run_refresh(plan)

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def run_refresh(self, plan: WatchPlan) -> None:
        try:
            refs = [(job_id, self.store.project_of(job_id)) for job_id in plan.job_ids]
            jobs = await self.source.jobs(refs) if refs else []
            pages = {}
            if plan.refresh_list:
                for project_id, state in list(self.store.projects.items()):
                    if state.loaded:
                        pages[project_id] = await self.source.page(
                            project_id, None, self.settings.page_size
                        )
        except Exception as exc:
            self.post_message(RefreshFailed(describe_error(exc), retry_after_of(exc)))
            return
        self.post_message(RefreshDone(jobs, pages, plan.job_ids))

    def on_refresh_done(self, message: RefreshDone) -> None:
        if self.shutting_down:
            return
        self._retry_note = None
        changes = 0
        for project_id, page in message.pages.items():
            new = self.store.add_page(
                project_id,
                page.items,
                page.next_page_token,
                int(page.total_size) if page.total_size is not None else None,
                first=True,
            )
            if new:
                self.tree.rebuild_project(project_id)
            message.jobs.extend(j for j in page.items if j.id not in message.asked)
        seen = {job.id for job in message.jobs}
        for job_id in message.asked:
            if job_id not in seen:
                # Asked for by id and not returned: deleted elsewhere.
                self.watcher.forget(job_id)
        for job in message.jobs:
            old = self.store.update(job)
            if old is not None and old.status != job.status:
                changes += 1
                self.tree.refresh_job(job)
                self.toast_change(job)
                if job.id == self.current_job_id:
                    self.load_job(job.id)
            elif old is not None and old.updated_at != job.updated_at:
                self.tree.refresh_job(job)
        self.track(message.jobs)
        plan = WatchPlan(message.asked, bool(message.pages))
        self.watcher.finished(plan, changes)
        self.update_status()
        self.schedule_tick(self.watcher.next_delay())

    def toast_change(self, job: ExtractJob) -> None:
        if not job.is_terminal and job.is_known_status:
            # PENDING -> RUNNING is visible in the tree; toasts are for outcomes.
            return
        text = f"{short_id(job.id)} {job.status}"
        if job.is_terminal and job.duration_seconds is not None:
            text += f" in {humanize_duration(job.duration_seconds)}"
        severity = "error" if job.status == "FAILED" else "information"
        self.notify(safe_text(text, 120), severity=severity, timeout=5)

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        if self.shutting_down:
            return
        self._retry_note = None
        delay = self.watcher.failed(message.error, message.retry_after)
        self.update_status()
        self.schedule_tick(delay)

    # -- actions ----------------------------------------------------------------------------

    def action_help(self) -> None:
        sections = [("Everywhere", list(self.BINDINGS))]
        sections.append(("Job tree", list(JobTree.BINDINGS)))
        sections.append(("Results", list(ResultsPane.all_bindings())))
        self.push_screen(HelpScreen(sections, self._keymap_strings()))

    def _keymap_strings(self) -> dict[str, str]:
        return dict(self.keymap_check.accepted)

    def action_filter(self) -> None:
        results = self.query_one(ResultsPane)
        if results.has_focus_within:
            results.start_search()
            return
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def on_filter_changed(self, event: Input.Changed) -> None:
        self.tree.filter_text = event.value.strip()
        self.tree.rebuild_all()
        if not self.tree.shows(self.tree.selected_job_id or ""):
            # The job on screen is filtered out: move to the first one that matches.
            for project_id in self.store.projects:
                first = self.tree.first_job_id(project_id)
                if first is not None:
                    self.tree.select_job(first)
                    break
        self.update_status()

    @on(Input.Submitted, "#filter")
    def on_filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.tree.focus()

    def action_escape(self) -> None:
        sidebar = self.query_one("#sidebar")
        if not sidebar.display:
            sidebar.display = True
            self.tree.focus()
            return
        if not self.tree.has_focus and not self.query_one("#filter", Input).has_focus:
            self.tree.focus()
            return
        box = self.query_one("#filter", Input)
        if box.has_focus or (box.display and self.tree.has_focus):
            box.value = ""
            box.display = False
            self.tree.focus()

    def action_refresh_now(self) -> None:
        if not self.source.live:
            self.notify("Offline files do not change.", timeout=3)
            return
        if self.watcher.in_flight:
            self.notify("A refresh is already running.", timeout=2)
            return
        self.watcher.retry_at = None
        self.tick(force=True)

    def action_toggle_pause(self) -> None:
        self.watcher.paused = not self.watcher.paused
        self.notify(
            "Auto-refresh paused." if self.watcher.paused else "Auto-refresh resumed.", timeout=2
        )
        if not self.watcher.paused:
            self.schedule_tick(0.05)
        self.update_status()

    def action_cycle_grouping(self) -> None:
        index = GROUPINGS.index(self.tree.grouping)
        self.tree.grouping = GROUPINGS[(index + 1) % len(GROUPINGS)]
        self.tree.rebuild_all()
        self.update_status()
        self.notify(f"Grouped by {self.tree.grouping}", timeout=2)

    def action_show_tab(self, tab: str) -> None:
        """Switch to a pane and put the keyboard in it (Esc goes back to the tree)."""
        self.query_one(TabbedContent).active = tab
        self._fill_pane(tab)
        # Focus once the pane is visible: a hidden widget cannot take the keyboard.
        if tab == "results":
            self.call_after_refresh(self.query_one(ResultsPane).focus_view)
        elif tab == "fields":
            self.call_after_refresh(self.query_one(FieldsPane).table.focus)
        elif tab == "overview":
            self.call_after_refresh(self.query_one(OverviewPane).focus)
        elif tab == "configuration":
            self.call_after_refresh(self.query_one(ConfigurationPane).focus)

    def action_toggle_tree(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.query_one(TabbedContent).focus()

    def action_goto_job(self) -> None:
        self.action_command_palette()

    def goto_job(self, job_id: str) -> None:
        """Select a job by id, fetching it if it was not loaded yet."""
        job_id = job_id.strip()
        if not job_id:
            return
        if self.tree.select_job(job_id):
            self.open_job(job_id)  # at once, not only when the tree's cursor gets there
        else:
            self.load_job(job_id, focus=True)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fill_pane(self.query_one(TabbedContent).active)
        self.refresh_bindings()

    def on_tree_node_selected(self, event: JobTree.NodeSelected) -> None:
        from explorer.tui.widgets.job_tree import JobNode

        if isinstance(event.node.data, JobNode):
            # Enter on a job opens it: the Results are what people came for.
            self.open_job(event.node.data.job_id)
            self.action_show_tab("results")
            if self.screen.has_class("-narrow"):
                # At 80 columns the panes get the whole width; `t` or Esc brings the tree back.
                self.query_one("#sidebar").display = False
            self.query_one(ResultsPane).focus_view()

    def _target_job(self) -> ExtractJob | None:
        if self.current_job_id is None:
            return None
        return self.store.details.get(self.current_job_id) or self.store.jobs.get(
            self.current_job_id
        )

    def action_cancel_job(self) -> None:
        self._destructive("cancel")

    def action_delete_job(self) -> None:
        self._destructive("delete")

    def _destructive(self, verb: str) -> None:
        job = self._target_job()
        if job is None:
            self.notify("Select a job first.", timeout=3)
            return
        if self.settings.read_only or not self.source.live:
            why = "read-only mode" if self.settings.read_only else "offline files"
            self.notify(f"Cannot {verb} jobs: {why}.", severity="warning", timeout=4)
            return
        if verb == "cancel" and job.is_terminal:
            self.notify(f"{short_id(job.id)} is {job.status}: nothing to cancel.", timeout=4)
            return
        if verb == "delete" and not job.is_terminal:
            self.notify(f"{short_id(job.id)} is still {job.status}: cancel it first.", timeout=4)
            return
        label = safe_text(job.document_label, 60)
        question = f"{verb.capitalize()} job {safe_text(job.id, 120)} ({label})?"
        if verb == "delete":
            question += "\nThis cannot be undone."

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_action_on(verb, job.id)

        self.push_screen(ConfirmScreen(question), answered)

    @work(group="actions", exit_on_error=False)
    async def run_action_on(self, verb: str, job_id: str) -> None:
        try:
            if verb == "cancel":
                job = await self.source.cancel(job_id)
                self.post_message(ActionDone(job_id, verb, job))
            else:
                await self.source.delete(job_id)
                self.post_message(ActionDone(job_id, verb))
        except Exception as exc:
            self.post_message(ActionDone(job_id, verb, error=describe_error(exc)))

    def on_action_done(self, message: ActionDone) -> None:
        if self.shutting_down:
            return
        if message.error:
            self.notify(
                f"Could not {message.verb} {short_id(message.job_id)}: {message.error}",
                severity="error",
                timeout=6,
            )
            return
        if message.job is not None:
            self.store.update(message.job)
            self.track([message.job])
            self.tree.refresh_job(message.job)
            if message.job_id == self.current_job_id:
                self.load_job(message.job_id)
            self.notify(f"{short_id(message.job_id)} cancelled.", timeout=4)
        else:
            project = self.store.project_of(message.job_id)
            self.store.remove(message.job_id)
            self.watcher.forget(message.job_id)
            if project is not None:
                self.tree.rebuild_project(project)
            if message.job_id == self.current_job_id:
                self.current_job_id = None
                self.query_one(OverviewPane).show_message("Job deleted.")
            self.notify(f"{short_id(message.job_id)} deleted.", timeout=4)

    # -- copy, export, diff -----------------------------------------------------------------

    def _cursor_field(self) -> tuple[tuple | None, Any, Any]:
        """(path, value, field row) under the cursor in Results or Fields, if any."""
        results = self.query_one(ResultsPane)
        fields = self.query_one(FieldsPane)
        if fields.has_focus_within:
            row = fields.current_row()
            if row is not None:
                return row.path, row.value, row
        if results.has_focus_within:
            path, value = results.cursor_field()
            if path is not None:
                analysis = self.analyses.get(self.current_job_id or "")
                row = None
                if analysis is not None:
                    row = next((r for r in analysis.rows if r.path == tuple(path)), None)
                return tuple(path), value, row
        return None, None, None

    def action_copy(self) -> None:
        job = self._target_job()
        if job is None:
            self.notify("Select a job first.", timeout=3)
            return
        path, value, row = self._cursor_field()
        available = {"job"}
        if path is not None:
            available |= {"value", "path", "row"}
        subject = format_path(path) if path is not None else short_id(job.id)
        from explorer.core.export import export_json, to_json
        from explorer.core.fields import row_to_json

        def chosen(what: str | None) -> None:
            if not what:
                return
            if what == "value":
                text = value if isinstance(value, str) else to_json(value, indent=None)
            elif what == "path":
                text = format_path(path or ())
            elif what == "row":
                if row is not None:
                    text = to_json(row_to_json(row))
                else:
                    text = to_json({"path": format_path(path or ()), "value": value})
            else:
                text = export_json(job.to_json_dict())
            self.copy_to_clipboard(clipboard_text(text, is_json=what in ("row", "job")))
            label = {"value": "value", "path": "path", "row": "field row", "job": "job JSON"}
            self.notify(
                f"Copied the {label[what]} of {clip(subject, 60)} ({len(text):,} chars)", timeout=3
            )

        self.push_screen(CopyScreen(clip(subject, 80), available), chosen)

    def action_export(self) -> None:
        job = self.store.details.get(self.current_job_id or "")
        if job is None:
            self.notify("Select a job (and let it load) first.", timeout=3)
            return

        def chosen(choice: ExportChoice | None) -> None:
            if choice is not None:
                self.write_export(job, *choice)

        self.push_screen(ExportScreen(job.id), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def write_export(self, job: ExtractJob, kind: str, path: Path, replace: bool = False) -> None:
        from explorer.core.analysis import analyze
        from explorer.core.export import (
            export_csv,
            export_fields_csv,
            export_fields_json,
            export_json,
            export_jsonl,
        )

        data = job.to_json_dict()
        try:
            if kind == "job-json":
                text = export_json(data)
            elif kind == "result-jsonl":
                text = export_jsonl(data)
            elif kind == "result-csv":
                text = export_csv(data)
            else:
                analysis = self.analyses.get(job.id) or analyze(data)
                rows = analysis.rows
                text = export_fields_csv(rows) if kind == "fields-csv" else export_fields_json(rows)
            # Never a folder made, never a file replaced that the user did not agree to.
            save_text(path, text, replace=replace)
        except (OSError, ValueError) as exc:
            self.call_from_thread(
                self.notify, f"Could not export: {exc}", severity="error", timeout=6
            )
            return
        self.call_from_thread(self.notify, f"Saved {path} ({len(text):,} chars)", timeout=5)

    def action_mark(self) -> None:
        """Mark the job under the cursor for a diff (the last two marks are kept)."""
        job_id = self.tree.selected_job_id
        if job_id is None:
            self.notify("Move to a job to mark it.", timeout=3)
            return
        if job_id in self.marked:
            self.marked.remove(job_id)
        else:
            self.marked.append(job_id)
            del self.marked[:-2]
        self.tree.marked = set(self.marked)
        for marked_id in {job_id, *self.marked}:
            job = self.store.jobs.get(marked_id)
            if job is not None:
                self.tree.refresh_job(job)
        if len(self.marked) == 2:
            self.notify("Two jobs marked: press d to compare them.", timeout=4)
        else:
            self.notify(f"{len(self.marked)} job marked for diff (mark one more).", timeout=3)

    def action_diff(self) -> None:
        if len(self.marked) != 2:
            self.notify("Mark two jobs with m in the tree, then press d.", timeout=4)
            return
        self.notify("Comparing…", timeout=2)
        self.run_diff(*self.marked)

    @work(exclusive=True, group="diff", exit_on_error=False)
    async def run_diff(self, a_id: str, b_id: str) -> None:
        try:
            a = self.store.details.get(a_id) or await self.source.job(a_id)
            b = self.store.details.get(b_id) or await self.source.job(b_id)
        except Exception as exc:  # shown, never raised
            self.notify(
                f"Could not load the jobs to compare: {describe_error(exc)}",
                severity="error",
                timeout=6,
            )
            return
        import asyncio

        from explorer.core.diff import diff_jobs

        changes = await asyncio.to_thread(
            diff_jobs, a.to_json_dict(), b.to_json_dict(), include_same=True
        )
        if not self.shutting_down:
            self.push_screen(DiffScreen(a, b, changes))
