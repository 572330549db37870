"""``JobTree``: project -> group -> job, loaded page by page, kept stable across refreshes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from explorer.api.models import TERMINAL_STATUSES, ExtractJob
from explorer.core.files import FileProblem
from explorer.core.present import ago, clip, job_age, short_id, status_style
from explorer.core.sanitize import safe_text
from explorer.core.store import JobStore, ProjectJobs
from explorer.tui.widgets.rendered_lines import SteadyScrollbars
from explorer.tui.widgets.tree_paint import QuickTreePaint


@dataclass(frozen=True)
class ProjectNode:
    project_id: str


@dataclass(frozen=True)
class GroupNode:
    project_id: str
    key: str


@dataclass(frozen=True)
class JobNode:
    job_id: str


@dataclass(frozen=True)
class MoreNode:
    """ "Load more" at the end of a project: loads the next page when reached."""

    project_id: str


@dataclass(frozen=True)
class GroupMoreNode:
    """ "N more in this group": shows the next chunk when reached."""

    project_id: str
    key: str


@dataclass(frozen=True)
class ProblemNode:
    problem: FileProblem


NodeData = ProjectNode | GroupNode | JobNode | MoreNode | GroupMoreNode | ProblemNode

#: Jobs shown per group before a "more" line: keeps expand/collapse cost bounded.
GROUP_CHUNK = 200
#: Jobs relabelled at a time as ages move on (out of view), and the pause between (s).
RELABEL_STEP = 15
RELABEL_PAUSE = 0.05


def job_label(job: ExtractJob, now: datetime, width: int = 46, marked: bool = False) -> Text:
    """``◐ ext-1a2b3c invoice.pdf RUNNING ◷42s`` with the status coloured, fit to ``width``."""
    glyph, colour = status_style(job.status)
    if marked:
        glyph = "◆"
        colour = "bold magenta"
    age = job_age(job, now)
    status = clip(job.status, 14)
    doc_width = max(6, width - 2 - 10 - 1 - len(status) - 1 - len(age) - 2)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{glyph} ", style=colour)
    text.append(short_id(job.id), style="bold")
    text.append(" ")
    text.append(clip(job.document_label, doc_width), style="")
    text.append(" ")
    text.append(status, style=colour)
    text.append(f" {age}", style="dim")
    return text


class JobTree(QuickTreePaint, SteadyScrollbars, Tree[NodeData]):
    """The job tree on the left. Data lives in a :class:`JobStore`; this only draws it."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("h", "collapse_or_parent", "Collapse", show=False, id="tree.collapse"),
        Binding("l", "expand_node", "Expand", show=False, id="tree.expand"),
        Binding("left", "collapse_or_parent", "Collapse", show=False, id="tree.left"),
        Binding("right", "expand_node", "Expand", show=False, id="tree.right"),
        Binding("home,g", "scroll_home", "First", show=False, id="tree.first"),
        Binding("end,G", "scroll_end", "Last", show=False, id="tree.last"),
    ]

    #: How jobs are grouped under a project (one of ``core.store.GROUPINGS``).
    grouping: reactive[str] = reactive("status", init=False, repaint=False)
    #: The filter typed in the box above the tree ("" shows every job).
    filter_text: reactive[str] = reactive("", init=False, repaint=False)
    #: Jobs marked for a diff (at most two, oldest first): drawn with a ◆.
    marked: reactive[tuple[str, ...]] = reactive((), init=False, repaint=False)

    class LoadMore(Message):
        """The user reached the end of a project's loaded jobs."""

        def __init__(self, project_id: str) -> None:
            super().__init__()
            self.project_id = project_id

    class JobHighlighted(Message):
        """The cursor is on a job."""

        def __init__(self, job_id: str, tree: JobTree) -> None:
            super().__init__()
            self.job_id = job_id
            #: The tree it came from (whose selection may have moved on since).
            self.tree = tree

    def __init__(self, store: JobStore, now: Callable[[], datetime], **kw) -> None:
        super().__init__("jobs", **kw)
        self.show_root = False
        self.guide_depth = 2
        self.store = store
        self.now = now
        self._project_nodes: dict[str, TreeNode[NodeData]] = {}
        self._job_nodes: dict[str, TreeNode[NodeData]] = {}
        self._problems_node: TreeNode[NodeData] | None = None
        #: The job the user is on; survives rebuilds even before the cursor has moved there.
        self.selected_job_id: str | None = None
        self._defaults_applied: set[str] = set()
        self._quiet = False
        self._user_move = False
        #: (project, group key) -> how many of its jobs are shown (grows by GROUP_CHUNK).
        self._group_limits: dict[tuple[str, str], int] = {}
        #: (project, group key) -> its jobs at the last build (to see what arrived since)
        self._members: dict[tuple[str, str], set[str]] = {}
        #: project -> the newest job's creation time at its first full build: jobs created
        #: later are new to the user (older ones arrive by "load more")
        self._newest_at_start: dict[str, datetime | None] = {}
        #: Projects with a "load more" line (scrolling onto it loads the next page).
        self._load_more_lines: set[str] = set()
        #: Jobs still to relabel as ages moved on (see ``relabel_ages``), and when.
        self._relabel_queue: list[str] = []
        self._relabel_timer: Timer | None = None

    @property
    def label_width(self) -> int:
        """Cells left for a job line after the tree's guides (project -> group -> job)."""
        return max(28, (self.size.width or 50) - 7)

    def process_label(self, label: str | Text) -> Text:
        # Labels are built as Text from untrusted data; a str must never be parsed as markup.
        text = label if isinstance(label, Text) else Text(label)
        return text.split()[0] if "\n" in text.plain else text

    # -- building ---------------------------------------------------------------------------

    def project_label(self, state: ProjectJobs) -> Text:
        text = Text(no_wrap=True)
        name = state.project.label
        text.append(clip(name, 30), style="bold")
        if state.project.is_default:
            text.append(" (default)", style="dim")
        loaded = len(state.job_ids)
        if state.error:
            text.append(f"  ⚠ {safe_text(state.error, max_len=40)}", style="red")
        elif state.loading and not loaded:
            text.append("  loading…", style="dim italic")
        elif state.total is not None:
            text.append(f"  {loaded}/{state.total}", style="dim")
        elif state.loaded:
            text.append(f"  {loaded}{'+' if state.next_token else ''}", style="dim")
        if state.cached_at is not None:  # until the server has been asked
            text.append(f"  cached {ago(state.cached_at, self.now())}", "italic yellow")
        return text

    def set_projects(self, expand: str | None) -> None:
        """Add a node per project (new ones only); expand the one given."""
        for pid, state in self.store.projects.items():
            if pid not in self._project_nodes:
                node = self.root.add(self.project_label(state), ProjectNode(pid))
                self._project_nodes[pid] = node
                if pid == expand:
                    node.expand()

    def show_problems(self, problems: list[FileProblem]) -> None:
        """Files that could not be read, listed with their reason under their own node."""
        if not problems:
            return
        if self._problems_node is None:
            label = Text(f"⚠ {len(problems)} unreadable", style="bold red")
            self._problems_node = self.root.add(label, None, expand=True)
        for problem in problems:
            text = Text(no_wrap=True)
            path = safe_text(problem.path)
            text.append(path if len(path) <= 40 else "…" + path[-39:], style="red")
            text.append(": ")
            text.append(safe_text(problem.reason, max_len=120))
            self._problems_node.add_leaf(text, ProblemNode(problem))

    def _matches(self, job: ExtractJob) -> bool:
        needle = self.filter_text.lower()
        if not needle:
            return True
        hay = " ".join(
            filter(None, [job.id, job.document, job.file_name, job.status, job.configuration_id])
        ).lower()
        return all(part in hay for part in needle.split())

    def rebuild_project(self, project_id: str) -> None:
        """Redraw one project's groups and jobs, keeping expanded groups and the cursor."""
        node = self._project_nodes.get(project_id)
        state = self.store.projects.get(project_id)
        if node is None or state is None:
            return
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        if self.selected_job_id is not None:
            # The job the user is on, even before the cursor has moved there. (When the user
            # moves onto a project or group line, no job is selected: the cursor stays there.)
            cursor = JobNode(self.selected_job_id)
        cursor_job = cursor.job_id if isinstance(cursor, JobNode) else None
        expanded = {
            child.data.key
            for child in node.children
            if isinstance(child.data, GroupNode) and child.is_expanded
        }
        # Default expansion happens once, when the project's first page has arrived (not on a
        # job fetched by id before it), so the tree looks the same whatever loads first.
        first_build = state.loaded and project_id not in self._defaults_applied
        if first_build:
            self._defaults_applied.add(project_id)
        #: Jobs the user could see before this build: one that moves group (it finished, say)
        #: opens the group it lands in, so a job being watched stays in sight.
        in_sight: set[str] = set()
        for child in list(node.children):
            if isinstance(child.data, JobNode):
                self._job_nodes.pop(child.data.job_id, None)
            for grandchild in child.children:
                if isinstance(grandchild.data, JobNode):
                    self._job_nodes.pop(grandchild.data.job_id, None)
                    if child.is_expanded:
                        in_sight.add(grandchild.data.job_id)
        node.remove_children()
        self._load_more_lines.discard(project_id)
        node.set_label(self.project_label(state))
        ids = [
            j for j in state.job_ids if j in self.store.jobs and self._matches(self.store.jobs[j])
        ]
        now = self.now()
        if first_build:
            self._newest_at_start[project_id] = max(
                (c for j in state.job_ids if (c := self._created(j)) is not None), default=None
            )
        newest = self._newest_at_start.get(project_id)
        groups = self.store.groups(project_id, self.grouping, ids)
        for index, group in enumerate(groups):
            glyph, colour = status_style(group.key) if self.grouping == "status" else ("", "")
            label = Text(no_wrap=True)
            if glyph:
                label.append(f"{glyph} ", style=colour)
            label.append(clip(group.label, 34), style=f"bold {colour}".strip())
            more = "+" if state.next_token else ""
            label.append(f" ({len(group.job_ids)}{more})", style="dim")
            members = set(group.job_ids)
            previous = self._members.get((project_id, group.key))
            arrived = members - previous if previous is not None else set()
            self._members[(project_id, group.key)] = members
            # While filtering, every group opens: the matches are what the user is after. A
            # group opens when a job arrives in it that is running, new since the project was
            # first shown (created meanwhile, however fast it finished), or was in sight before.
            open_it = (
                bool(self.filter_text)
                or group.key in expanded
                or any(
                    not self.store.jobs[j].is_terminal
                    or j in in_sight
                    or (newest is not None and (self._created(j) or newest) > newest)
                    for j in arrived
                )
                or (
                    first_build
                    and self.grouping == "status"
                    and (index == 0 or group.key not in TERMINAL_STATUSES)
                )
            )
            group_node = node.add(label, GroupNode(project_id, group.key), expand=open_it)
            limit = self._group_limits.get((project_id, group.key), GROUP_CHUNK)
            if cursor_job is not None and cursor_job in group.job_ids:
                # The selected job must have a line, however deep in its group it sits.
                limit = max(limit, group.job_ids.index(cursor_job) + 1)
                self._group_limits[(project_id, group.key)] = limit
            for job_id in group.job_ids[:limit]:
                job = self.store.jobs[job_id]
                label = job_label(job, now, self.label_width, job.id in self.marked)
                self._job_nodes[job_id] = group_node.add_leaf(label, JobNode(job_id))
            hidden = len(group.job_ids) - limit
            if hidden > 0:
                group_node.add_leaf(
                    Text(f"⋯ {hidden:,} more (Enter)", style="dim italic"),
                    GroupMoreNode(project_id, group.key),
                )
        if self.filter_text and not ids and state.loaded:
            node.add_leaf(Text("no job matches the filter", style="dim italic"), None)
        if state.loading:
            node.add_leaf(Text("⋯ loading…", style="dim italic"), None)
        elif state.next_token is not None:
            remaining = f" ({state.total - len(state.job_ids)} more)" if state.total else ""
            node.add_leaf(Text(f"⋯ load more{remaining}", style="dim italic"), MoreNode(project_id))
            self._load_more_lines.add(project_id)
        elif not state.job_ids and state.loaded:
            node.add_leaf(Text("no jobs in this project", style="dim italic"), None)
        self._restore_cursor(cursor)

    def _created(self, job_id: str) -> datetime | None:
        job = self.store.jobs.get(job_id)
        created = job.created_at if job is not None else None
        if created is not None and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return created

    def _restore_cursor(self, data: NodeData | None) -> None:
        # While nodes are replaced the cursor line briefly points at other jobs; those
        # highlights are noise (they would open the wrong job), so stay quiet until settled.
        self._quiet = True
        target = None
        if isinstance(data, JobNode) and data.job_id in self._job_nodes:
            target = self._job_nodes[data.job_id]
            if target.parent is not None and not target.parent.is_expanded:
                target.parent.expand()
        elif isinstance(data, ProjectNode):
            target = self._project_nodes.get(data.project_id)
        elif isinstance(data, GroupNode):
            project = self._project_nodes.get(data.project_id)
            target = next(
                (
                    child
                    for child in (project.children if project is not None else [])
                    if isinstance(child.data, GroupNode) and child.data.key == data.key
                ),
                project,
            )
        self.call_after_refresh(self._settle, target)

    def _settle(self, target: TreeNode[NodeData] | None) -> None:
        self._quiet = False
        data = target.data if target is not None else None
        if (isinstance(data, JobNode) and self._job_nodes.get(data.job_id) is target) or (
            isinstance(data, ProjectNode | GroupNode)
            and target is not None
            and self._tree_nodes.get(target.id) is target  # still in the tree
        ):
            self.move_cursor(target, animate=False)

    def watch_grouping(self) -> None:
        self.rebuild_all()

    def watch_filter_text(self) -> None:
        self.rebuild_all()

    def watch_marked(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        for job_id in set(old) | set(new):
            job = self.store.jobs.get(job_id)
            if job is not None:
                self.refresh_job(job)

    def rebuild_all(self) -> None:
        for project_id in self._project_nodes:
            self.rebuild_project(project_id)

    def refresh_job(self, job: ExtractJob) -> None:
        """A job changed: relabel it in place, or regroup its project if its group changed."""
        node = self._job_nodes.get(job.id)
        if node is None:
            return
        parent = node.parent
        key = parent.data.key if parent is not None and isinstance(parent.data, GroupNode) else None
        from explorer.core.store import group_key

        if key is not None and group_key(job, self.grouping)[0] != key:
            self.rebuild_project(parent.data.project_id)  # type: ignore[union-attr]
        else:
            node.set_label(job_label(job, self.now(), self.label_width, job.id in self.marked))

    def on_resize(self) -> None:
        self.relabel_ages()

    def relabel_ages(self) -> None:
        """Ages and running times move on: relabel the jobs of open groups, those in view at
        once and the others a few at a time (hundreds at once stall a held key two frames)."""
        top = int(self.scroll_y)
        in_view = [
            node.data.job_id
            for line in range(top, min(top + self.size.height, self.last_line + 1))
            if (node := self.get_node_at_line(line)) is not None and isinstance(node.data, JobNode)
        ]
        seen = set(in_view)
        rest = [
            job_id
            for job_id, node in self._job_nodes.items()
            if job_id not in seen and node.parent is not None and node.parent.is_expanded
        ]
        self._relabel_queue = [*in_view, *rest]
        self._relabel_step(max(len(in_view), RELABEL_STEP))

    def _relabel_step(self, count: int = RELABEL_STEP) -> None:
        """Relabel the next ``count`` jobs queued by :meth:`relabel_ages`; the rest later."""
        step, self._relabel_queue = self._relabel_queue[:count], self._relabel_queue[count:]
        now = self.now()
        for job_id in step:
            node = self._job_nodes.get(job_id)
            job = self.store.jobs.get(job_id)
            if job is not None and node is not None:
                label = job_label(job, now, self.label_width, job.id in self.marked)
                # "2d" stays "2d" for a day: relabel (and re-measure the tree) only what moved
                if label != node.label:
                    node.set_label(label)
        if self._relabel_queue and self._relabel_timer is None:
            self._relabel_timer = self.set_timer(RELABEL_PAUSE, self._relabel_later)

    def _relabel_later(self) -> None:
        self._relabel_timer = None
        self._relabel_step()

    def shows(self, job_id: str) -> bool:
        """Whether the job has a line in the tree now (loaded, not filtered out, in its chunk)."""
        return job_id in self._job_nodes

    def first_job_id(self, project_id: str) -> str | None:
        """The first job shown under a project (in an expanded group), if any."""
        node = self._project_nodes.get(project_id)
        for group in node.children if node is not None else []:
            if group.is_expanded:
                for child in group.children:
                    if isinstance(child.data, JobNode):
                        return child.data.job_id
        return None

    def select_job(self, job_id: str) -> bool:
        """Move the cursor to a job, expanding its project and group."""
        node = self._job_nodes.get(job_id)
        if node is None and job_id in self.store.jobs and self._matches(self.store.jobs[job_id]):
            # Beyond its group's shown chunk: rebuild with the job selected so it gets a line.
            project_id = self.store.project_of(job_id)
            if project_id in self._project_nodes:
                self.selected_job_id = job_id
                self.rebuild_project(project_id)
                node = self._job_nodes.get(job_id)
        if node is None:
            return False
        self.selected_job_id = job_id
        ancestor = node.parent
        while ancestor is not None:
            ancestor.expand()
            ancestor = ancestor.parent
        # Once the tree has its lines; by id, since a refresh may rebuild the nodes meanwhile.
        self.call_after_refresh(self._cursor_to_job, job_id)
        return True

    def _cursor_to_job(self, job_id: str) -> None:
        node = self._job_nodes.get(job_id)
        if node is not None and self.selected_job_id == job_id:
            self.move_cursor(node, animate=False)
            self.scroll_to_node(node, animate=False)

    # -- events -----------------------------------------------------------------------------

    # -- who moved the cursor ----------------------------------------------------------------
    # The panes follow the *user's* cursor. Rebuilds (refresh, filter, regroup) move the cursor
    # line over other jobs for a moment; those highlights must not open those jobs.

    def _user(self) -> None:
        self._user_move = True

    def action_cursor_up(self) -> None:
        self._user()
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self._user()
        super().action_cursor_down()

    # The keys held longest move the cursor where they arrive: Tree's own (unnamed, so not
    # remappable) bindings for them are only looked up once the key has bubbled to the App,
    # half a millisecond later. Priority bindings still come first, as for any binding.
    def key_down(self, event: events.Key) -> None:
        event.stop()
        self.action_cursor_down()

    def key_up(self, event: events.Key) -> None:
        event.stop()
        self.action_cursor_up()

    def action_page_up(self) -> None:
        self._user()
        super().action_page_up()

    def action_page_down(self) -> None:
        self._user()
        super().action_page_down()

    def action_scroll_home(self) -> None:
        self._user()
        super().action_scroll_home()

    def action_scroll_end(self) -> None:
        self._user()
        super().action_scroll_end()

    async def _on_click(self, event: events.Click) -> None:
        self._user()
        await super()._on_click(event)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        event.stop()  # what the screen hears of it is JobHighlighted or LoadMore
        data = event.node.data
        user, self._user_move = self._user_move, False
        if self._quiet or event.node is not self.cursor_node:
            return
        if isinstance(data, JobNode) and not user and data.job_id != self.selected_job_id:
            return
        if isinstance(data, JobNode):
            self.selected_job_id = data.job_id
            self.post_message(self.JobHighlighted(data.job_id, self))
            return
        if user:
            self.selected_job_id = None  # the user is on a project or group line
        if isinstance(data, MoreNode):
            self.post_message(self.LoadMore(data.project_id))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, ProjectNode):
            state = self.store.projects.get(data.project_id)
            if state is not None and not state.loaded and not state.loading:
                self.post_message(self.LoadMore(data.project_id))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if isinstance(data, MoreNode):
            self.post_message(self.LoadMore(data.project_id))
        elif isinstance(data, GroupMoreNode):
            self.show_more(data)

    def show_more(self, data: GroupMoreNode) -> None:
        """Show the next chunk of a big group, keeping the cursor where the chunk starts."""
        key = (data.project_id, data.key)
        shown = self._group_limits.get(key, GROUP_CHUNK)
        self._group_limits[key] = shown + GROUP_CHUNK
        group = next(
            (g for g in self.store.groups(data.project_id, self.grouping) if g.key == data.key),
            None,
        )
        if group is not None and shown < len(group.job_ids):
            self.selected_job_id = group.job_ids[shown]
        self.rebuild_project(data.project_id)

    def action_collapse_or_parent(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded and node.children:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self._user()
            self.move_cursor(node.parent, animate=False)

    def action_expand_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        elif node is not None and node.children:
            self._user()
            self.move_cursor(node.children[0], animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._load_more_lines:  # (a scroll is a cursor key's work: only when there is one)
            self.call_after_refresh(self.check_visible_more)

    def check_visible_more(self) -> None:
        """Scrolling down to a project's "load more" line loads the next page."""
        top = int(self.scroll_y)
        for line in range(top, min(top + self.size.height + 1, self.last_line + 1)):
            node = self.get_node_at_line(line)
            if node is not None and isinstance(node.data, MoreNode):
                self.post_message(self.LoadMore(node.data.project_id))
