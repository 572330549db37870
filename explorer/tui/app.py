"""The Textual app: settings, the data source, the store, and the workers that call the source.

Workers post typed messages (:mod:`explorer.tui.messages`) to the :class:`MainScreen`, whose
handlers update the tree and the panes; the current job is owned by
:class:`~explorer.tui.widgets.job_panes.JobPanes`; live refresh is
:class:`~explorer.tui.live.LiveRefresh`. The app keeps the app-wide keys: quit, help, refresh
now, pause, go to job, suspend.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from explorer.api.errors import NotFoundError
from explorer.api.models import ExtractJob
from explorer.core.errors import describe_error, retry_after_of
from explorer.core.heap import HeapSettler
from explorer.core.source import JobSource
from explorer.core.store import JobStore
from explorer.core.watcher import RefreshWatcher, WatchPlan
from explorer.settings import Settings
from explorer.tui.commands import JobCommands
from explorer.tui.inert import inert_str
from explorer.tui.keymap import KeymapCheck, binding_chains, check_keymap
from explorer.tui.live import LiveRefresh
from explorer.tui.main_screen import NARROW, MainScreen
from explorer.tui.messages import (
    ActionDone,
    CacheLoaded,
    DiffReady,
    DocumentLoaded,
    JobFailed,
    JobLoaded,
    NamesLearned,
    PageFailed,
    PageLoaded,
    ProjectsLoaded,
    RefreshDone,
    RefreshFailed,
    RerunStarted,
)
from explorer.tui.screens.confirm import ConfirmScreen
from explorer.tui.workers import work

if TYPE_CHECKING:
    from explorer.api.models import JobPage
    from explorer.api.transport import RetryEvent
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.document import Document
    from explorer.core.rerun import RerunPlan


#: Documents kept in memory (the disk cache keeps more).
KEEP_DOCUMENTS = 6


class ExplorerApp(App[int]):
    """extract-explorer's TUI. Built with its data source injected, so tests can drive it."""

    CSS_PATH = "explorer.tcss"
    TITLE = "extract-explorer"
    COMMANDS = App.COMMANDS | {JobCommands}

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("r", "refresh_now", "Refresh", id="app.refresh"),
        Binding("p", "toggle_pause", "Pause", id="app.pause"),
        Binding("colon", "goto_job", "Go to job", id="app.goto"),
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
        self.live = LiveRefresh(
            RefreshWatcher(
                min_interval=settings.refresh,
                max_interval=max(5.0, settings.refresh * 5),
                list_interval=settings.list_refresh,
                clock=monotonic,
            ),
            live=source.live,
            set_timer=self.set_timer,
            start_refresh=self.run_refresh,
            start_projects=self.load_projects,
            have_projects=lambda: self.projects_fresh,
            held=lambda: self.shutting_down or isinstance(self.screen, ConfirmScreen),
            changed=self._status_changed,
        )
        #: The terminal's image protocol ("sixel", "tgp") for the Source view; None: cells.
        self.graphics: str | None = None
        #: Documents of the jobs looked at (job id -> what was fetched), newest last.
        self.documents: OrderedDict[str, FetchedDocument] = OrderedDict()
        self._documents_asked: set[str] = set()
        #: The default project's first page when it came with the projects (prefetched).
        self.ready_page: JobPage | None = None
        self.default_project: str | None = None
        #: Whether the source's projects are in (the cache's, shown first, are not fresh).
        self.projects_fresh = False
        if not settings.animation:
            self.animation_level = "none"
        if self.no_color:
            # NO_COLOR: no colour at all, not Textual's grey shades (in which a red FAILED
            # is dark grey on dark grey); bold, reverse and the glyphs still tell states apart.
            from textual.filter import Monochrome, NoColor

            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]
        #: The config's keymap as applied: entries that cannot work are left out and named
        #: in a notification once the app is up (see explorer.tui.keymap).
        self.keymap_check = (
            check_keymap(settings.keymap, binding_chains(type(self), MainScreen))
            if settings.keymap
            else KeymapCheck()
        )
        if self.keymap_check.accepted:
            self.set_keymap(self.keymap_check.accepted)

    @property
    def watcher(self) -> RefreshWatcher:
        return self.live.watcher

    def get_default_screen(self) -> Screen:
        return MainScreen(self)

    @property
    def main(self) -> MainScreen:
        """The main screen (under any dialog)."""
        screen = self.screen_stack[0] if self.screen_stack else None
        assert isinstance(screen, MainScreen)
        return screen

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

    @property
    def shutting_down(self) -> bool:
        """Timers and late messages can fire while the app exits: they must do nothing then."""
        return not self.is_running or not self.screen_stack

    def _status_changed(self) -> None:
        if not self.shutting_down:
            self.main.update_status()

    def _post(self, message: Message) -> None:
        """A worker's answer, to the main screen's handlers."""
        if not self.shutting_down:
            self.main.post_message(message)

    def _on_retry(self, event: RetryEvent) -> None:
        """The client is waiting before a retry: say why on the status line meanwhile."""
        if event.error is not None:
            self.live.on_retry(event.error, event.delay)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.heap.input_seen()  # no heap settling while the user is busy
        await super().on_event(event)

    def start(self) -> None:
        """The main screen is up: load what it shows (called once, from its mount)."""
        client = getattr(self.source, "client", None)
        if client is not None and getattr(client, "on_retry", None) is None:
            client.on_retry = self._on_retry
        self.live.started()
        take = getattr(self.source, "take_prefetched", None)
        early = take() if take is not None else None
        if getattr(self.source, "cache", None) is not None:
            # shown unless the server answers first (or already has)
            self.load_cached(show=early is None)
        if early is not None:
            # Fetched while the app was starting: the first frame shows the jobs.
            projects, self.ready_page = early
            self.main.on_projects_loaded(ProjectsLoaded(projects))
        else:
            self.load_projects()
        if self.start_job_id:
            self.main.focus_job(self.start_job_id)
        self.set_interval(1.0, self._status_changed)
        self.set_interval(15.0, lambda: self.main.tree.relabel_ages())
        self.set_interval(0.5, self.heap.tick)
        self._status_changed()
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
            screen.set_class(width < NARROW, "-narrow")
            screen.set_class(width < 60, "-tiny")

    async def on_unmount(self) -> None:
        self.live.stop()
        self.heap.release()
        if self.on_close is not None:
            await self.on_close()

    # -- workers: each calls the source and posts what it found -----------------------------

    @work(group="cache", exit_on_error=False)
    async def load_cached(self, show: bool) -> None:
        """What the local cache holds (read on its own thread since before the app started),
        and why it can't be used if so."""
        source = self.source
        view = await source.cached_view()  # type: ignore[attr-defined]
        if view is not None and show:
            self._post(CacheLoaded(view))
        problem = await source.cache_problem()  # type: ignore[attr-defined]
        if problem and not self.shutting_down:
            self.notify(problem, title="Cache", severity="warning", timeout=12)

    @work(exclusive=True, group="projects", exit_on_error=False)
    async def load_projects(self) -> None:
        try:
            projects = await self.source.projects()
        except Exception as exc:
            # The watcher owns the retry: the status line counts down, then tick() tries again.
            self._post(RefreshFailed(describe_error(exc), retry_after_of(exc)))
            return
        self._post(ProjectsLoaded(projects))

    @work(group="pages", exit_on_error=False)
    async def load_page(self, project_id: str, token: str | None, first: bool) -> None:
        try:
            page = await self.source.page(project_id, token, self.settings.page_size)
        except Exception as exc:
            self._post(PageFailed(project_id, describe_error(exc), retry_after_of(exc)))
            return
        self._post(PageLoaded(project_id, page, first))

    @work(group="names", exit_on_error=False)
    async def name_jobs(self, jobs: list[ExtractJob]) -> None:
        """Ask for the file and configuration names of jobs just shown (never blocks them)."""
        try:
            learned = await self.source.name(jobs)
        except Exception:  # a name is decoration: the id stays on screen
            return
        if learned:
            self._post(NamesLearned([job.id for job in jobs]))

    def load_job(self, job_id: str, focus: bool = False, debounce: float = 0.0) -> None:
        """Fetch the full job. Cursor moves replace each other's fetches; a "go to job" (focus)
        has its own lane so a passing cursor cannot cancel it."""
        if focus:
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
            await asyncio.sleep(debounce)
        await self._fetch(job_id, False)

    async def _fetch(self, job_id: str, focus: bool) -> None:
        try:
            job = await self.source.job(job_id)
        except Exception as exc:
            self._post(JobFailed(job_id, describe_error(exc), isinstance(exc, NotFoundError)))
            return
        self._post(JobLoaded(job, focus))

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
            self._post(RefreshFailed(describe_error(exc), retry_after_of(exc)))
            return
        self._post(RefreshDone(jobs, pages, plan.job_ids))

    @work(group="actions", exit_on_error=False)
    async def run_action_on(self, verb: str, job_id: str) -> None:
        try:
            if verb == "cancel":
                job = await self.source.cancel(job_id)
                self._post(ActionDone(job_id, verb, job))
            else:
                await self.source.delete(job_id)
                self._post(ActionDone(job_id, verb))
        except Exception as exc:
            self._post(ActionDone(job_id, verb, error=describe_error(exc)))

    @work(exclusive=True, group="diff", exit_on_error=False)
    async def load_diff(self, a_id: str, b_id: str) -> None:
        try:
            a = await self._final_copy(a_id)
            b = await self._final_copy(b_id)
        except Exception as exc:  # shown, never raised
            self._post(DiffReady(None, None, [], describe_error(exc)))
            return
        from explorer.core.diff import diff_jobs

        changes = await asyncio.to_thread(
            diff_jobs, a.to_json_dict(), b.to_json_dict(), include_same=True
        )
        self._post(DiffReady(a, b, changes))

    async def _final_copy(self, job_id: str) -> ExtractJob:
        """The job's full copy: the one held if the job had finished, else a fresh one."""
        held = self.store.details.get(job_id)
        if held is not None and held.is_terminal:
            return held
        return await self.source.job(job_id)

    @work(group="rerun", exit_on_error=False)
    async def start_rerun(self, plan: RerunPlan) -> None:
        """Send a re-run (an inline configuration; the original's saved one is never touched)."""
        try:
            job = await self.source.create(plan.file_input, plan.configuration, plan.project_id)
        except Exception as exc:  # shown, never raised
            self._post(RerunStarted(plan, None, describe_error(exc)))
            return
        self._post(RerunStarted(plan, job))

    # -- documents ----------------------------------------------------------------------------

    def want_document(self, job: ExtractJob, retry: bool = False) -> FetchedDocument | None:
        """The job's document if it is in; else start fetching it (once) and return None.

        ``retry``: a live source that failed to give it before is asked again (the Source view
        opening: a server that was down may be back)."""
        got = self.documents.get(job.id)
        if got is not None and retry and got.document is None and self.source.live:
            del self.documents[job.id]
            got = None
        if got is not None:
            self.documents.move_to_end(job.id)
            return got
        if job.id not in self._documents_asked:
            self._documents_asked.add(job.id)
            self._load_document(job)
        return None

    @work(group="documents", exit_on_error=False)
    async def _load_document(self, job: ExtractJob) -> None:
        from explorer.core.doc_fetch import FetchedDocument

        try:
            fetched = await self.source.document(job)
        except Exception as exc:  # shown, never raised
            fetched = FetchedDocument(None, [describe_error(exc)])
        finally:
            self._documents_asked.discard(job.id)
        self.documents[job.id] = fetched
        while len(self.documents) > KEEP_DOCUMENTS:
            _, old = self.documents.popitem(last=False)
            if old.document is not None:
                # pdfium's handles closed here, under its lock (not by a finalizer in any thread)
                old.document.close()
        self._post(DocumentLoaded(job.id, fetched))
        from explorer.tui.screens.source import SourceScreen

        for screen in self.screen_stack:
            if isinstance(screen, SourceScreen):
                screen.document_arrived(job.id, fetched)

    def page_picture_now(self, document: Document, page: int) -> bytes | None:
        """From a worker thread: a picture of the page from the source (a screenshot), or None."""

        async def get() -> bytes | None:
            try:
                return await self.source.page_picture(document, page)
            except Exception:  # no picture: the page is drawn from its text boxes
                return None

        return self.call_from_thread(get)

    def track(self, jobs: list[ExtractJob]) -> list:
        """Tell live refresh about jobs seen, and ask for the names they lack."""
        changes = self.live.track(jobs)
        if self.source.live:
            unnamed = [
                job
                for job in jobs
                if (job.file_name is None and (job.document or "").startswith("dfl-"))
                or (job.configuration_id and job.configuration_name is None)
            ]
            if unnamed:
                self.name_jobs(unnamed)
        return changes

    # -- app-wide keys ----------------------------------------------------------------------

    def action_help(self) -> None:
        from explorer.tui.screens.help import HelpScreen, help_sections

        self.push_screen(HelpScreen(help_sections(type(self)), dict(self.keymap_check.accepted)))

    def action_refresh_now(self) -> None:
        note = self.live.refresh_now()
        if note:
            self.notify(note, timeout=3)

    def action_toggle_pause(self) -> None:
        paused = self.live.toggle_pause()
        self.notify("Auto-refresh paused." if paused else "Auto-refresh resumed.", timeout=2)

    def action_goto_job(self) -> None:
        self.action_command_palette()

    def goto_job(self, job_id: str) -> None:
        """Select a job by id, fetching it if it was not loaded yet."""
        job_id = self.store.resolve(job_id.strip())
        if not job_id:
            return
        main = self.main
        if main.tree.select_job(job_id):
            main.open_job(job_id)  # at once, not only when the tree's cursor gets there
        else:
            main.focus_job(job_id)
