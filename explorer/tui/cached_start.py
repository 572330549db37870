"""The tree drawn from the local cache at start, then reconciled with the server.

A mixin of :class:`~explorer.tui.main_screen.MainScreen`, in the manner of
:class:`~explorer.tui.fleet_actions.FleetActions`. When the cache's read (started before the
app imported Textual, on the cache's own thread) comes in before the server has answered, its
projects and listings are shown at once, each project marked "cached … ago". Fresh pages then
reconcile each project (:meth:`~explorer.core.store.JobStore.reconcile`): new jobs go in,
cached ones the server no longer lists come out, running ones are refreshed by live refresh
like any other; the walk asks as many pages as the cached listing covers, and the mark goes
when it is done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.tui.messages import CacheLoaded, PageLoaded

if TYPE_CHECKING:
    from explorer.core.store import JobStore
    from explorer.tui.app import ExplorerApp
    from explorer.tui.widgets.job_tree import JobTree


class CachedStart:
    """Show the cached tree, and reconcile it page by page."""

    explorer: ExplorerApp
    store: JobStore

    if TYPE_CHECKING:

        @property
        def tree(self) -> JobTree: ...

        @property
        def gone(self) -> bool: ...

        def jobs_gone(self, job_ids: list[str], why: str) -> None: ...

        def request_page(self, project_id: str, first: bool = False) -> None: ...

        def update_status(self) -> None: ...

    def on_cache_loaded(self, message: CacheLoaded) -> None:
        if self.gone or self.store.projects:
            return  # the server answered first: nothing stale to show
        app = self.explorer
        view = message.view
        projects = sorted(view.projects, key=lambda p: not p.is_default)
        if not projects:
            return
        self.store.set_projects(projects)
        app.main.panes.overview.project_names.update({p.id: p.label for p in projects})
        app.default_project = projects[0].id
        shown = []
        for project in projects:
            page = view.pages.get(project.id)
            if page is None:
                continue
            self.store.show_cached(project.id, page, view.written[project.id])
            shown += page.items
        self.tree.set_projects(expand=app.default_project)
        for project in projects:
            self.tree.rebuild_project(project.id)
        app.track(shown)  # running when cached: refreshed at once
        if app.main.panes.job_id is None and not app.start_job_id:
            first = self.tree.first_job_id(app.default_project)
            if first is not None:
                self.tree.select_job(first)
        self.update_status()

    def reconcile_cached(self) -> None:
        """The server's projects are in: walk every project shown from the cache afresh."""
        for project_id, state in self.store.projects.items():
            if state.cached_at is not None and not state.loading:
                self.request_page(project_id, first=True)

    def reconcile_page(self, message: PageLoaded) -> None:
        """A fresh page of a project shown from the cache: take out what it shows gone, and
        ask the next page until the cached listing is covered. Before the page is added."""
        state = self.store.projects.get(message.project_id)
        if state is None or state.cached_at is None:
            return
        gone, done = self.store.reconcile(message.project_id, message.page)
        self.jobs_gone(gone, "no longer listed (deleted since it was cached)")
        token = message.page.next_page_token
        # the page is added after this: what follows runs once it is in the store and tree
        if done:
            self.explorer.call_later(lambda: self._reconciled(message.project_id, token))
        else:
            state.next_token = token
            self.explorer.call_later(lambda: self._ask_more(message.project_id, token))

    def _reconciled(self, project_id: str, token: str | None) -> None:
        if self.gone or project_id not in self.store.projects:
            return
        self.store.end_reconcile(project_id, token)
        self.tree.rebuild_project(project_id)
        self.update_status()

    def _ask_more(self, project_id: str, token: str | None) -> None:
        state = self.store.projects.get(project_id)
        if self.gone or state is None or state.cached_at is None or state.loading:
            return
        state.next_token = token
        self.request_page(project_id)
