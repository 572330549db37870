"""Messages the app's workers post to the main screen, whose handlers update the widgets
(widgets never do HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from explorer.api.models import ExtractJob, JobPage, Project

if TYPE_CHECKING:
    # Type only: the analysis pulls in jsonschema, which start-up does not need.
    from explorer.core.analysis import Analysis
    from explorer.core.doc_fetch import FetchedDocument
    from explorer.core.job_cache import CachedView
    from explorer.core.rerun import RerunPlan


@dataclass
class ProjectsLoaded(Message):
    projects: list[Project]


@dataclass
class CacheLoaded(Message):
    """What the local cache held, read while the app started (shown until reconciled)."""

    view: CachedView


@dataclass
class PageLoaded(Message):
    project_id: str
    page: JobPage
    first: bool


@dataclass
class PageFailed(Message):
    project_id: str
    error: str
    retry_after: float | None = None


@dataclass
class JobLoaded(Message):
    job: ExtractJob
    #: True when the job was asked for by id (start-up or "go to job"): select it in the tree.
    focus: bool = False


@dataclass
class NamesLearned(Message):
    """File or configuration names arrived for these jobs (their lines may relabel)."""

    job_ids: list[str]


@dataclass
class JobFailed(Message):
    job_id: str
    error: str
    not_found: bool = False


@dataclass
class RefreshDone(Message):
    jobs: list[ExtractJob]
    pages: dict[str, JobPage]
    asked: list[str]


@dataclass
class RefreshFailed(Message):
    error: str
    retry_after: float | None = None


@dataclass
class ActionDone(Message):
    """A cancel or delete finished (job is None after a delete)."""

    job_id: str
    verb: str
    job: ExtractJob | None = None
    error: str | None = None


@dataclass
class JobAnalyzed(Message):
    """Field rows, schema check and health of a job, computed in a thread."""

    analysis: Analysis
    error: str | None = None


@dataclass
class DiffReady(Message):
    """The two marked jobs, loaded and compared (or why they could not be)."""

    a: ExtractJob | None
    b: ExtractJob | None
    changes: list[Any]
    error: str | None = None


@dataclass
class DocumentLoaded(Message):
    """The document a job's citations point into arrived (or why it could not)."""

    job_id: str
    fetched: FetchedDocument


@dataclass
class RerunStarted(Message):
    """A re-run was sent: the new job, or why it could not start."""

    plan: RerunPlan
    job: ExtractJob | None
    error: str | None = None
