"""The main screen: job tree on the left, the current job's panes on the right, status below.

It owns the layout and what the keyboard does in it (filter, escape, tabs, tree toggle, narrow
mode) and turns the app's typed messages into tree and pane updates. The dialogs on jobs (copy,
export, diff, cancel, delete) are :class:`~explorer.tui.job_actions.JobActions`.
"""

from __future__ import annotations

from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from explorer.api.models import ExtractJob
from explorer.core.present import humanize_duration, short_id
from explorer.core.sanitize import safe_text
from explorer.core.source import is_page_of
from explorer.core.store import GROUPINGS
from explorer.core.watcher import WatchPlan
from explorer.tui.cached_start import CachedStart
from explorer.tui.fleet_actions import FleetActions
from explorer.tui.job_actions import JobActions
from explorer.tui.messages import (
    DocumentLoaded,
    JobFailed,
    JobLoaded,
    NamesLearned,
    PageFailed,
    PageLoaded,
    ProjectsLoaded,
    RefreshDone,
    RefreshFailed,
)
from explorer.tui.request_actions import RequestActions
from explorer.tui.widgets.footer import QuietFooter
from explorer.tui.widgets.job_panes import JobPanes
from explorer.tui.widgets.job_tree import JobNode, JobTree
from explorer.tui.widgets.status_bar import Part, Status, StatusBar

if TYPE_CHECKING:
    from explorer.tui.app import ExplorerApp

#: Below this width the tree and panes share the screen narrower; Enter gives the panes all.
NARROW = 110
#: Cursor moves closer together than this (s) are a held key: the panes wait until the cursor
#: has rested this long. Key repeat is 25-40 moves a second; a tap after a pause opens at once.
CURSOR_REST = 0.12


def demo_banner(url: str) -> Text:
    return Text.assemble(
        ("DEMO ", "bold reverse"),
        " simulator at ",
        (url, "bold"),
        " · set LLAMA_CLOUD_API_KEY for your jobs",
    )


class MainScreen(CachedStart, JobActions, FleetActions, RequestActions, Screen[None]):
    """Layout, the keys of the main view, and the handlers of the workers' messages."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("ctrl+g", "cycle_grouping", "Group", id="app.grouping"),
        Binding("m", "mark", "Mark for diff", show=False, id="app.mark"),
        Binding("f", "toggle_follow", "Follow", show=False, id="app.follow"),
        Binding("1", "show_tab('overview')", "Overview", show=False, id="app.tab.overview"),
        Binding("2", "show_tab('configuration')", "Config", show=False, id="app.tab.config"),
        Binding("3", "show_tab('results')", "Results", show=False, id="app.tab.results"),
        Binding("4", "show_tab('fields')", "Fields", show=False, id="app.tab.fields"),
        Binding("A", "analyze", "Analyse", show=False, id="app.analyze"),
        Binding("w", "source", "Source", id="app.source"),
        Binding("y", "copy", "Copy", id="app.copy"),
        Binding("E", "export", "Export", show=False, id="app.export"),
        Binding("d", "diff", "Diff marked", show=False, id="app.diff"),
        Binding("t", "toggle_tree", "Hide tree", show=False, id="app.toggle_tree"),
        Binding("R", "rerun", "Re-run", show=False, id="app.rerun"),
        Binding("X", "cancel_job", "Cancel job", show=False, id="app.cancel"),
        Binding("D", "delete_job", "Delete job", show=False, id="app.delete"),
        Binding("F", "failures", "Failures", show=False, id="app.failures"),
        Binding("dollar_sign", "usage", "Usage", show=False, id="app.usage"),
        Binding("L", "requests", "Requests", show=False, id="app.requests"),
        Binding("escape", "escape", "Back", show=False, id="app.escape"),
    ]

    def __init__(self, app: ExplorerApp) -> None:
        super().__init__(id="main-screen")
        self.explorer = app
        self.store = app.store
        #: The cursor's latest job, opened a frame after the cursor is painted (or, while the
        #: cursor moves in quick succession, once it rests).
        self._highlighted: JobTree.JobHighlighted | None = None
        #: When the cursor last moved onto a job (``time.monotonic``).
        self._moved_at = -CURSOR_REST
        self._rest_timer: Timer | None = None
        #: Follow mode: new and running jobs are opened as they appear.
        self.following = False

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.explorer
        if app.demo_url:
            yield Static(demo_banner(app.demo_url), id="demo-banner")
        elif not app.source.live:
            yield Static(
                Text.assemble(
                    ("OFFLINE ", "bold reverse"),
                    f" {getattr(app.source, 'banner', 'job files')}; no network",
                ),
                id="demo-banner",
            )
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="filter: id, document, status…", id="filter")
                yield JobTree(self.store, app.now, id="job-tree")
            yield JobPanes(self.store, app.now, id="job-panes")
        yield StatusBar(id="status-bar")
        yield QuietFooter()

    @property
    def tree(self) -> JobTree:
        return self.query_one(JobTree)

    @property
    def panes(self) -> JobPanes:
        return self.query_one(JobPanes)

    @property
    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def sidebar(self) -> Vertical:
        return self.query_one("#sidebar", Vertical)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def gone(self) -> bool:
        """Timers and late messages can fire while the app exits: they must do nothing then."""
        return not self.is_attached or self.explorer.shutting_down

    def on_mount(self) -> None:
        self.filter_box.display = False
        self.tree.focus()
        self.tree.show_problems(self.explorer.source.problems)
        self.explorer.start()

    # -- status line ------------------------------------------------------------------------

    def update_status(self) -> None:
        if self.gone:
            return
        app = self.explorer
        if app.demo_url:
            where = Part("warning", "demo")
        elif not app.source.live:
            where = Part("info", getattr(app.source, "where", "offline files"))
        else:
            where = Part("quiet", app.settings.base_url)
        extra: tuple[Part, ...] = ()
        refresh = None
        running = 0
        if app.source.live:
            refresh = app.live.describe()
            running = app.live.running
        else:
            extra = (Part("quiet", f"{len(self.store.jobs)} jobs"),)
            if app.source.problems:
                extra += (Part("error", f", {len(app.source.problems)} unreadable files"),)
        if any(state.cached_at is not None for state in self.store.projects.values()):
            extra += (Part("warning", "  cached, checking…"),)
        self.status_bar.show(
            Status(
                where=where,
                grouping=self.tree.grouping,
                filter_text=self.tree.filter_text,
                read_only=app.settings.read_only,
                following=self.following,
                refresh=refresh,
                running=running,
                extra=extra,
            )
        )

    # -- projects and pages -----------------------------------------------------------------

    def on_projects_loaded(self, message: ProjectsLoaded) -> None:
        if self.gone:
            return
        app = self.explorer
        app.projects_fresh = True
        self.store.set_projects(message.projects)
        for note in app.source.notes:
            app.notify(note, severity="warning", timeout=20)
        app.source.notes.clear()
        self.panes.overview.project_names.update({p.id: p.label for p in message.projects})
        if app.default_project is None and message.projects:
            app.default_project = message.projects[0].id
        self.tree.set_projects(expand=app.default_project)
        # Shown before the projects were known: now with its project's name.
        self.panes.reshow_overview()
        ready, app.ready_page = app.ready_page, None
        state = self.store.projects.get(app.default_project or "")
        stale = state is not None and state.cached_at is not None
        fresh = state is not None and (not state.loaded or stale)
        if ready and state and fresh and is_page_of(ready, state.project.id):
            # Prefetched while the app started: on screen in this frame, no request.
            state.loading = True
            self.on_page_loaded(PageLoaded(state.project.id, ready, True))
        elif app.default_project:
            self.request_page(app.default_project, first=stale)
        self.reconcile_cached()  # the other projects shown from the cache
        app.live.projects_arrived()

    def request_page(self, project_id: str, first: bool = False) -> None:
        state = self.store.projects.get(project_id)
        if state is None or state.loading:
            return
        if not first and state.loaded and state.next_token is None:
            return
        state.loading = True
        self.tree.rebuild_project(project_id)
        token = None if first or not state.loaded else state.next_token
        self.explorer.load_page(project_id, token, first or not state.loaded)

    def on_page_loaded(self, message: PageLoaded) -> None:
        if self.gone:
            return
        page = message.page
        self.store.projects[message.project_id].loading = False
        self.reconcile_page(message)
        self.store.add_page(
            message.project_id,
            page.items,
            page.next_page_token,
            int(page.total_size) if page.total_size is not None else None,
            first=message.first,
        )
        self.explorer.track(page.items)
        self.tree.rebuild_project(message.project_id)
        self.refetch_if_stale(page.items)
        if self.panes.job_id is None and not self.explorer.start_job_id:
            # Start on a job, not on an empty pane.
            first = self.tree.first_job_id(message.project_id)
            if first is not None:
                self.tree.select_job(first)
        self.update_status()

    def on_page_failed(self, message: PageFailed) -> None:
        if self.gone:
            return
        state = self.store.projects.get(message.project_id)
        if state is not None:
            state.loading = False
            state.error = message.error
            self.tree.rebuild_project(message.project_id)
            if (not state.loaded or state.cached_at is not None) and self.explorer.source.live:
                # Nothing of this project on screen yet: keep trying, backing off.
                delay = self.explorer.live.failed(message.error, message.retry_after)
                self.set_timer(delay, lambda: self.retry_page(message.project_id))
        self.explorer.notify(f"Could not load jobs: {message.error}", severity="error", timeout=6)

    def retry_page(self, project_id: str) -> None:
        state = self.store.projects.get(project_id)
        if state is not None:
            # shown from the cache and no fresh page yet: from the first page
            cached = state.cached_at is not None and not state.next_token
            self.request_page(project_id, first=cached)

    @on(JobTree.LoadMore)
    def on_load_more(self, message: JobTree.LoadMore) -> None:
        if not self.gone:
            self.request_page(message.project_id)

    def on_names_learned(self, message: NamesLearned) -> None:
        if self.gone:
            return
        source = self.explorer.source
        # Refreshes may have replaced the job objects meanwhile: name what the store holds.
        jobs = [self.store.jobs[i] for i in message.job_ids if i in self.store.jobs]
        source.apply_names(jobs)
        source.apply_names(self.store.details.values())
        if self.tree.grouping in ("document", "configuration"):
            # the names are the group labels too
            for project_id in {job.project_id for job in jobs if job.project_id}:
                if project_id in self.store.projects:
                    self.tree.rebuild_project(project_id)
        else:
            for job in jobs:
                self.tree.refresh_job(job)  # relabel in place: nothing moves
        if self.panes.job_id in message.job_ids:
            self.panes.reshow_overview()

    # -- the current job --------------------------------------------------------------------

    @on(JobTree.JobHighlighted)
    def on_job_highlighted(self, message: JobTree.JobHighlighted) -> None:
        # The moved cursor is painted first, the job's panes a frame later: a key press shows
        # at once however much the panes cost. Moves in quick succession (a held key) leave
        # the panes alone until the cursor rests: then they show the job it stopped on.
        now = monotonic()
        held = now - self._moved_at < CURSOR_REST
        self._moved_at = now
        first = self._highlighted is None
        self._highlighted = message
        if held:
            self.panes.cursor_moving = True
            # The job the panes were fetching is being left behind: its arrival would
            # redraw (and analyse) a job the user is moving away from.
            self.explorer.workers.cancel_group(self.explorer, "job")
            if self._rest_timer is None:
                self._rest_timer = self.set_timer(CURSOR_REST, self._check_rest)
        elif first:
            self.call_after_refresh(self._open_highlighted)

    def _check_rest(self) -> None:
        """The rest timer: open the cursor's job once it has not moved for ``CURSOR_REST``."""
        self._rest_timer = None
        if self.gone:
            return
        # One timer for a whole run of moves: it comes back until the moves stop.
        wait = self._moved_at + CURSOR_REST - monotonic()
        if wait > 0.001:
            self._rest_timer = self.set_timer(wait, self._check_rest)
            return
        self._open_highlighted()

    def _open_highlighted(self) -> None:
        message, self._highlighted = self._highlighted, None
        if self._rest_timer is None:
            self.panes.cursor_moving = False
        # Only if the tree still has it selected (a "go to job" since then moved on), or the
        # cursor went on to a group line: the panes show the last job it was on.
        selected = message.tree.selected_job_id if message is not None else None
        if message is not None and selected in (message.job_id, None):
            self.open_job(message.job_id)

    def open_job(self, job_id: str) -> None:
        """Make a job current: its summary at once, the full job when it arrives."""
        if self.gone:
            return
        # A highlight still waiting to open (the cursor passing by) is older than this.
        self._highlighted = None
        if self.panes.show(job_id):
            # At once: a cursor moving on in quick succession cancels the fetch
            # (``on_job_highlighted``), so a held key still costs no request per job.
            self.explorer.load_job(job_id)

    def focus_job(self, job_id: str) -> None:
        """A job asked for by id (start-up, "go to job"): current now, fetched on its own lane
        so a passing cursor cannot cancel it."""
        self._highlighted = None  # this choice is newer than any pending highlight
        self.panes.show(job_id)
        self.explorer.load_job(job_id, focus=True)

    def on_document_loaded(self, message: DocumentLoaded) -> None:
        self.panes.document_arrived(message.job_id, message.fetched)

    def on_job_loaded(self, message: JobLoaded) -> None:
        if self.gone:
            return
        job = message.job
        known = job.id in self.store.jobs
        self.rerun_seen(job)
        self.store.remember_detail(job)
        self.explorer.track([job])
        if message.focus:
            if not known:
                self.store.add_job(job)
                # A job of a project not listed yet (e.g. --project elsewhere) gets its node.
                self.tree.set_projects(expand=job.project_id)
                self.tree.rebuild_project(job.project_id or "")
            if self.panes.job_id != job.id:
                self.panes.show(job.id)
            if not self.tree.select_job(job.id):
                self.explorer.notify(f"{short_id(job.id)} is hidden by the filter", timeout=4)
        else:
            self.tree.refresh_job(job)
        self.panes.job_arrived(job)

    def refetch_if_stale(self, jobs: list[ExtractJob]) -> None:
        """The current job's full copy was dropped as older than a page that listed it (it
        finished meanwhile): fetch it again, so the panes never show it still running."""
        current = self.panes.job_id
        if (
            current is not None
            and self.panes.loaded
            and current not in self.store.details
            and any(job.id == current for job in jobs)
        ):
            self.explorer.load_job(current)

    def on_job_failed(self, message: JobFailed) -> None:
        if self.gone:
            return
        if message.job_id == self.panes.job_id or message.not_found:
            text = f"Could not load {message.job_id}: {message.error}"
            self.panes.failed(message.job_id, text)
            self.explorer.notify(safe_text(text, 200), severity="error", timeout=6)

    def jobs_gone(self, job_ids: list[str], why: str) -> None:
        """Jobs that no longer exist (deleted here or elsewhere): out of the store, the watcher,
        the marks, the tree (each project redrawn once) and, if one was current, every pane."""
        projects = set()
        for job_id in job_ids:
            projects.add(self.store.project_of(job_id))
            self.store.remove(job_id)
            self.explorer.live.forget(job_id)
            self.unmark(job_id)
            if job_id == self.panes.job_id:
                self.panes.clear(f"{safe_text(job_id, 120)}: {why}")
        for project in projects - {None}:
            self.tree.rebuild_project(project)

    # -- live refresh -----------------------------------------------------------------------

    def on_refresh_done(self, message: RefreshDone) -> None:
        if self.gone:
            return
        changes = 0
        fresh: list[ExtractJob] = []
        for project_id, page in message.pages.items():
            gone = [
                job_id
                for job_id in self.store.vanished(project_id, page.items, page.next_page_token)
                if job_id not in message.asked
            ]
            self.jobs_gone(gone, "no longer listed (deleted elsewhere?)")
            new = self.store.add_page(
                project_id,
                page.items,
                page.next_page_token,
                int(page.total_size) if page.total_size is not None else None,
                first=True,
            )
            fresh += new
            if new:  # (the jobs gone were taken out before the page was added)
                self.tree.rebuild_project(project_id)
            self.refetch_if_stale(page.items)
            message.jobs.extend(j for j in page.items if j.id not in message.asked)
        seen = {job.id for job in message.jobs}
        # Asked for by id and not returned: deleted elsewhere.
        deleted = [i for i in message.asked if i not in seen and i in self.store.jobs]
        self.jobs_gone(deleted, "deleted (it is no longer on the server)")
        for job in message.jobs:
            self.rerun_seen(job)
            old = self.store.update(job)
            if old is not None and old.status != job.status:
                changes += 1
                self.tree.refresh_job(job)
                self.toast_change(job)
                if job.id == self.panes.job_id:
                    self.explorer.load_job(job.id)
            elif old is not None and old.updated_at != job.updated_at:
                self.tree.refresh_job(job)
        self.explorer.track(message.jobs)
        self.explorer.live.finished(WatchPlan(message.asked, bool(message.pages)), changes)
        if self.following:
            self.follow(fresh)

    def on_refresh_failed(self, message: RefreshFailed) -> None:
        if self.gone:
            return
        self.explorer.live.schedule(self.explorer.live.failed(message.error, message.retry_after))

    def toast_change(self, job: ExtractJob) -> None:
        if not job.is_terminal and job.is_known_status:
            # PENDING -> RUNNING is visible in the tree; toasts are for outcomes.
            return
        text = f"{short_id(job.id)} {job.status}"
        if job.is_terminal and job.duration_seconds is not None:
            text += f" in {humanize_duration(job.duration_seconds)}"
        severity = "error" if job.status == "FAILED" else "information"
        self.explorer.notify(safe_text(text, 120), severity=severity, timeout=5)

    def action_toggle_follow(self) -> None:
        """``f``: follow new and running jobs (the newest one is opened as it appears)."""
        self.following = not self.following
        self.explorer.notify(
            "Following new jobs." if self.following else "Not following new jobs.", timeout=2
        )
        if self.following:
            active = self.explorer.live.watcher.active_ids
            self.follow([self.store.jobs[i] for i in active if i in self.store.jobs])
        self.update_status()

    def follow(self, jobs: list[ExtractJob]) -> None:
        """Open the newest of these jobs that is still running."""
        live = [job for job in jobs if not job.is_terminal and self.tree.shows(job.id)]
        if not live:
            return
        newest = max(live, key=lambda j: (j.created_at is not None, j.created_at or 0))
        if newest.id != self.panes.job_id and self.tree.select_job(newest.id):
            self.open_job(newest.id)

    # -- keys of the main view --------------------------------------------------------------

    def action_filter(self) -> None:
        """``/`` acts on the pane in view: search in Results, filter in Fields, otherwise the
        tree's filter (the tree is shown if it was hidden)."""
        panes = self.panes
        results, fields = panes.results, panes.fields
        tree_hidden = not self.sidebar.display
        if results.has_focus_within or (tree_hidden and panes.active == "results"):
            results.start_search()
            return
        if fields.has_focus_within or (tree_hidden and panes.active == "fields"):
            fields.start_filter()
            return
        self.sidebar.display = True
        box = self.filter_box
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def on_filter_changed(self, event: Input.Changed) -> None:
        tree = self.tree
        tree.filter_text = event.value.strip()
        if not tree.shows(tree.selected_job_id or ""):
            # The job on screen is filtered out: move to the first one that matches.
            for project_id in self.store.projects:
                first = tree.first_job_id(project_id)
                if first is not None:
                    tree.select_job(first)
                    break
        self.update_status()

    @on(Input.Submitted, "#filter")
    def on_filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.display = False
        self.tree.focus()

    def action_escape(self) -> None:
        if not self.sidebar.display:
            self.sidebar.display = True
            self.tree.focus()
            return
        box = self.filter_box
        if not self.tree.has_focus and not box.has_focus:
            self.tree.focus()
            return
        if box.has_focus or (box.display and self.tree.has_focus):
            box.value = ""
            box.display = False
            self.tree.focus()

    def action_cycle_grouping(self) -> None:
        tree = self.tree
        tree.grouping = GROUPINGS[(GROUPINGS.index(tree.grouping) + 1) % len(GROUPINGS)]
        self.update_status()
        self.explorer.notify(f"Grouped by {tree.grouping}", timeout=2)

    def set_grouping(self, grouping: str) -> None:
        self.tree.grouping = grouping
        self.update_status()

    def action_show_tab(self, tab: str) -> None:
        """Switch to a pane and put the keyboard in it (Esc goes back to the tree)."""
        self.panes.show_tab(tab)

    @property
    def is_narrow(self) -> bool:
        return self.has_class("-narrow")

    def action_toggle_tree(self) -> None:
        sidebar = self.sidebar
        sidebar.display = not sidebar.display
        if not sidebar.display:
            self.panes.focus_tab()
        else:
            self.tree.focus()

    def on_tree_node_selected(self, event: JobTree.NodeSelected) -> None:
        if isinstance(event.node.data, JobNode):
            # Enter on a job opens it: the Results are what people came for.
            self.open_job(event.node.data.job_id)
            if self.is_narrow:
                # Narrow, the panes get the whole width; `t` or Esc brings the tree back.
                self.sidebar.display = False
            self.panes.show_tab("results")

    def action_analyze(self) -> None:
        self.explorer.notify(self.panes.analyze_all(), timeout=3)
