"""The jobs the explorer knows: per project, in list order, loaded page by page, and grouped.

The tree widget renders from here; refreshes merge into it. No UI, no HTTP.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from explorer.api.models import ExtractJob, JobPage, Project
from explorer.core.present import created_stamp, id_matches, looks_like_full_id, status_rank

GROUPINGS = ("status", "document", "configuration", "day")


@dataclass
class ProjectJobs:
    """One project's jobs as loaded so far."""

    project: Project
    job_ids: list[str] = field(default_factory=list)
    next_token: str | None = None
    total: int | None = None
    loaded: bool = False
    loading: bool = False
    #: Jobs placed by id (add_job) before a page listed them: a page puts them in its order.
    loose: set[str] = field(default_factory=set)
    error: str | None = None
    #: When the jobs shown were cached, while they are not reconciled with the server yet.
    cached_at: datetime | None = None
    #: Cached jobs no fresh page has shown yet (gone from the server if none does).
    unconfirmed: set[str] = field(default_factory=set)


@dataclass
class Group:
    """A group of jobs in the tree (one status, document, configuration or day)."""

    key: str
    label: str
    job_ids: list[str]


def group_key(job: ExtractJob, grouping: str) -> tuple[str, str]:
    """(key, label) of the group a job belongs to under a grouping."""
    if grouping == "document":
        return job.document or "", job.document_label
    if grouping == "configuration":
        if job.configuration_id:
            return job.configuration_id, job.configuration_name or job.configuration_id
        config = job.configuration
        if config is None:
            return "", "(no configuration)"
        label = f"inline: {config.extraction_target or '?'} · {config.tier or '?'}"
        return label, label
    if grouping == "day":
        if job.created_at is None:
            return "", "(no date)"
        day = job.created_at.date().isoformat()
        return day, day
    return job.status, job.status


class JobStore:
    """Known jobs by id, each project's loaded job order, and the full jobs fetched lately."""

    def __init__(self, detail_cache: int = 8) -> None:
        self.projects: dict[str, ProjectJobs] = {}
        self.jobs: dict[str, ExtractJob] = {}
        #: Full (expanded) jobs, newest use last; big results make this worth bounding.
        self.details: OrderedDict[str, ExtractJob] = OrderedDict()
        self.detail_cache = detail_cache
        #: Items loaded so far (jobs from pages, result rows of full jobs): the heap settler
        #: looks at how much it grew.
        self.loaded = 0

    def set_projects(self, projects: Iterable[Project]) -> None:
        for project in projects:
            if project.id in self.projects:
                self.projects[project.id].project = project
            else:
                self.projects[project.id] = ProjectJobs(project)

    def project_of(self, job_id: str) -> str | None:
        """The project a job belongs to (jobs carry it; the loaded lists are the fallback)."""
        job = self.jobs.get(job_id)
        if job is not None and job.project_id:
            return job.project_id
        for pid, state in self.projects.items():
            if job_id in state.job_ids:
                return pid
        return None

    def add_page(
        self,
        project_id: str,
        jobs: list[ExtractJob],
        next_token: str | None,
        total: int | None,
        *,
        first: bool,
    ) -> list[ExtractJob]:
        """Merge a loaded page; returns the jobs that were not known before."""
        state = self.projects.setdefault(project_id, ProjectJobs(Project(id=project_id)))
        new = [job for job in jobs if job.id not in self.jobs]
        self.loaded += len(jobs)
        for job in jobs:
            self.jobs[job.id] = job
            held = self.details.get(job.id)
            if held is not None and held.status != job.status:
                # The full copy is older than the page (the job finished meanwhile).
                del self.details[job.id]
        placed = state.loose.intersection(job.id for job in jobs)
        if placed:
            # Placed by id earlier (a job opened before its page came): the page says where.
            state.loose -= placed
            state.job_ids = [job_id for job_id in state.job_ids if job_id not in placed]
        known = set(state.job_ids)
        if first and state.loaded:
            # A refresh of the first page: new jobs go on top, the rest keep their place.
            fresh = [job.id for job in jobs if job.id not in known]
            state.job_ids[:0] = fresh
        else:
            state.job_ids.extend(job.id for job in jobs if job.id not in known)
            state.next_token = next_token
        state.loaded = True
        state.total = total
        state.error = None
        return new

    def add_job(self, job: ExtractJob) -> None:
        """A job found by id (``extract-explorer ext-...``), placed in its project's order."""
        self.jobs[job.id] = job
        pid = job.project_id or ""
        state = self.projects.setdefault(pid, ProjectJobs(Project(id=pid)))
        if job.id in state.job_ids:
            return
        state.loose.add(job.id)
        stamp = job.created_at
        for index, other_id in enumerate(state.job_ids):
            other = self.jobs.get(other_id)
            if stamp is not None and other and other.created_at and other.created_at < stamp:
                state.job_ids.insert(index, job.id)
                return
        state.job_ids.append(job.id)

    def update(self, job: ExtractJob) -> ExtractJob | None:
        """Store a refreshed job; returns the previous version (None if new)."""
        old = self.jobs.get(job.id)
        self.jobs[job.id] = job
        if job.id in self.details and old is not None and old.status != job.status:
            # The full job is stale now; the app fetches it again when shown.
            del self.details[job.id]
        return old

    def resolve(self, ref: str) -> str:
        """A full id for what a user typed: the id itself, or the one known job it names as the
        CLI reads ids (:func:`~explorer.core.present.id_matches`: ``ext-5073e6`` as the tree
        prints it, any unique prefix). Anything else is given back as typed (to be asked for
        by id)."""
        if not ref or ref in self.jobs or looks_like_full_id(ref):
            return ref
        matches = [job_id for job_id in self.jobs if id_matches(job_id, ref)]
        return matches[0] if len(matches) == 1 else ref

    def vanished(
        self, project_id: str, jobs: list[ExtractJob], next_token: str | None
    ) -> list[str]:
        """Jobs held for a project that a fresh first page shows are gone (deleted elsewhere,
        or a server that forgot them): every one missing when the page is the whole list,
        otherwise those newer than the page's oldest job."""
        state = self.projects.get(project_id)
        if state is None or not state.loaded:
            return []
        seen = {job.id for job in jobs}
        if next_token is None:
            return [job_id for job_id in state.job_ids if job_id not in seen]
        stamps = [job.created_at for job in jobs if job.created_at is not None]
        if not stamps:
            return []
        oldest = min(stamps)
        gone = []
        for job_id in state.job_ids:
            job = self.jobs.get(job_id)
            stamp = job.created_at if job is not None else None
            if job_id not in seen and stamp is not None and stamp > oldest:
                gone.append(job_id)
        return gone

    def show_cached(self, project_id: str, page: JobPage, written: datetime) -> None:
        """A project's listing from the cache, on screen until fresh pages reconcile it."""
        self.add_page(project_id, page.items, page.next_page_token, page.total_size, first=False)
        state = self.projects[project_id]
        state.cached_at = written
        state.unconfirmed = {job.id for job in page.items}
        # a cached page token is no way on: the fresh walk sets one (see :meth:`reconcile`)
        state.next_token = None

    def reconcile(self, project_id: str, page: JobPage) -> tuple[list[str], bool]:
        """A fresh page of a project shown from the cache: (cached jobs now known gone, whether
        the cache is reconciled). Pages come newest first: a cached job newer than the oldest
        job of the fresh pages so far, and on none of them, was deleted; when the last page
        comes, every cached job not seen was. Call before :meth:`add_page`."""
        state = self.projects.get(project_id)
        if state is None or state.cached_at is None:
            return [], True
        state.unconfirmed -= {job.id for job in page.items}
        if page.next_page_token is None:
            gone, state.unconfirmed = sorted(state.unconfirmed), set()
        else:
            stamps = [job.created_at for job in page.items if job.created_at is not None]
            oldest = min(stamps) if stamps else None
            gone = [
                job_id
                for job_id in state.unconfirmed
                if oldest is not None
                and (job := self.jobs.get(job_id)) is not None
                and job.created_at is not None
                and job.created_at > oldest
            ]
            state.unconfirmed -= set(gone)
        return gone, not state.unconfirmed

    def end_reconcile(self, project_id: str, next_token: str | None) -> None:
        """The project's cached jobs are all confirmed: fresh order, the fresh next token."""
        state = self.projects[project_id]
        state.cached_at = None
        state.unconfirmed = set()
        state.next_token = next_token
        state.job_ids.sort(key=lambda job_id: created_stamp(self.jobs.get(job_id)), reverse=True)

    def remove(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)
        self.details.pop(job_id, None)
        for state in self.projects.values():
            state.loose.discard(job_id)
            if job_id in state.job_ids:
                state.job_ids.remove(job_id)
                if state.total:
                    state.total -= 1

    def remember_detail(self, job: ExtractJob) -> None:
        result = job.extract_result
        self.loaded += 1 + (len(result) if isinstance(result, list | dict) else 0)
        self.details[job.id] = job
        self.details.move_to_end(job.id)
        while len(self.details) > self.detail_cache:
            self.details.popitem(last=False)
        summary = self.jobs.get(job.id)
        if summary is None or summary.status != job.status or summary.updated_at != job.updated_at:
            self.jobs[job.id] = job

    def groups(
        self, project_id: str, grouping: str, ids: Iterable[str] | None = None
    ) -> list[Group]:
        """The project's loaded jobs grouped; groups in a useful order, jobs newest first."""
        state = self.projects.get(project_id)
        if state is None:
            return []
        buckets: dict[str, Group] = {}
        for job_id in state.job_ids if ids is None else ids:
            job = self.jobs.get(job_id)
            if job is None:
                continue
            key, label = group_key(job, grouping)
            group = buckets.get(key)
            if group is None:
                group = buckets[key] = Group(key, label, [])
            group.job_ids.append(job_id)
        groups = list(buckets.values())
        if grouping == "status":
            groups.sort(key=lambda g: (status_rank(g.key), g.key))
        elif grouping == "day":
            groups.sort(key=lambda g: g.key, reverse=True)
        elif grouping == "document" or grouping == "configuration":
            groups.sort(key=lambda g: (-len(g.job_ids), g.label))
        return groups
