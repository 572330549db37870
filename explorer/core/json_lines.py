"""Walks and a line index over one JSON value, for the result views; and their annotations.

Nothing here imports Textual, so it is cheap to test and reason about. Every function is
iterative: results can nest 500 deep and hold 200,000 rows, and nothing may recurse or walk
the whole value up front. How a value is written on screen is
:func:`explorer.core.sanitize.scalar_text`; the colour band of a confidence is
:func:`explorer.core.confidence.confidence_band`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import count, islice
from typing import Any

Path = tuple[str | int, ...]

__all__ = [
    "Annotation",
    "AnnotationCache",
    "LineIndex",
    "LineInfo",
    "Path",
    "children",
    "find_path",
    "iter_nodes",
    "subtree_size",
]


@dataclass(frozen=True, slots=True)
class Annotation:
    """What the app knows about one result path.

    ``confidence`` is drawn beside the value, coloured by bucket; ``problem`` (a schema problem)
    is marked ``!``; ``low`` (flagged as low confidence) is marked ``?``.
    """

    confidence: float | None = None
    problem: str | None = None
    low: bool = False

    @property
    def flagged(self) -> bool:
        """True when ``n``/``N`` should stop here: a problem or low confidence."""
        return bool(self.problem) or self.low


class AnnotationCache:
    """``fn(path)`` computed on first use per path; bounded (cleared when full)."""

    def __init__(self, size: int = 8192) -> None:
        self.fn: Callable[[Any], Annotation | None] | None = None
        self._size = size
        self._cache: dict[Any, Annotation | None] = {}

    def set(self, fn: Callable[[Any], Annotation | None] | None) -> None:
        """Use ``fn`` from now on (and forget what the old one said)."""
        self.fn = fn
        self._cache.clear()

    def clear(self) -> None:
        """Forget cached results (the value changed)."""
        self._cache.clear()

    def get(self, path: Any) -> Annotation | None:
        """The annotation of ``path``, or None."""
        if self.fn is None:
            return None
        try:
            return self._cache[path]
        except KeyError:
            if len(self._cache) >= self._size:
                self._cache.clear()
            ann = self._cache[path] = self.fn(path)
            return ann


def children(value: dict | list) -> Iterator[tuple[str | int, Any]]:
    """(key, child) pairs of an object, (index, item) pairs of an array."""
    return iter(value.items()) if isinstance(value, dict) else enumerate(value)


def _child_iter(value: dict | list, start: int, forward: bool) -> Iterator[tuple[Any, Any]]:
    """(key, child) pairs after position ``start`` (forward) or before it, nearest first."""
    if forward:
        if isinstance(value, dict):
            return islice(iter(value.items()), start, None)
        return zip(count(start), islice(value, start, None), strict=False)
    if isinstance(value, dict):
        return islice(reversed(value.items()), len(value) - start, None)
    return ((i, value[i]) for i in range(start - 1, -1, -1))


def _position(value: dict | list, elem: str | int) -> int:
    if isinstance(value, dict):
        return list(value).index(elem)
    return int(elem)


def iter_nodes(
    root: Any,
    start: Path | None,
    forward: bool = True,
    prune: Callable[[Path, Any], bool] | None = None,
) -> Iterator[tuple[Path, Any]]:
    """Yield ``(path, value)`` in document order strictly after ``start`` (or before it).

    ``start=None`` yields everything: forward from the root itself, backward from the last
    node. ``prune(path, container)`` returning True skips that container's descendants (the
    container itself is still yielded).
    ``start`` must exist in ``root``.
    """
    if not forward:
        yield from _iter_backward(root, start, prune)
        return
    stack: list[tuple[Iterator[tuple[Any, Any]], Path]] = []
    node, prefix = root, ()
    if start is None:
        yield (), root
    else:
        for elem in start:
            stack.append((_child_iter(node, _position(node, elem) + 1, True), prefix))
            prefix = (*prefix, elem)
            node = node[elem]
    if _is_container(node) and (prune is None or not prune(prefix, node)):
        stack.append((children(node), prefix))
    # The hot loop (millions of nodes for n/N): a for over the top iterator, left with break
    # to descend; the iterator keeps its place for when the child's frame is popped.
    while stack:
        it, prefix = stack[-1]
        for key, child in it:
            path = (*prefix, key)
            yield path, child
            if (
                isinstance(child, dict | list)
                and child
                and (prune is None or not prune(path, child))
            ):
                stack.append((children(child), path))
                break
        else:
            stack.pop()


def _iter_backward(
    root: Any, start: Path | None, prune: Callable[[Path, Any], bool] | None
) -> Iterator[tuple[Path, Any]]:
    # Reverse document order: a subtree yields its descendants (last first), then itself.
    # start=None means "from past the end": everything, the root last.
    stack: list[tuple[Iterator[tuple[Any, Any]], Path, Any]] = []
    if start is None:
        if _is_container(root) and (prune is None or not prune((), root)):
            stack.append((_rev_children(root), (), root))
        else:
            yield (), root
        start = ()
    node, prefix = root, ()
    for elem in start:
        stack.append((_child_iter(node, _position(node, elem), False), prefix, node))
        prefix = (*prefix, elem)
        node = node[elem]
    while stack:
        it, prefix, container = stack[-1]
        for key, child in it:
            path = (*prefix, key)
            if (
                isinstance(child, dict | list)
                and child
                and (prune is None or not prune(path, child))
            ):
                stack.append((_rev_children(child), path, child))
                break
            yield path, child
        else:
            stack.pop()
            yield prefix, container


def find_path(
    root: Any,
    start: Path,
    match: Callable[[Path, Any], bool],
    forward: bool = True,
    prune: Callable[[Path, Any], bool] | None = None,
) -> Path | None:
    """First node after (before) ``start`` in document order for which ``match`` holds.

    Wraps around once, stopping back at ``start``; early exit, no up-front walk.
    """
    for path, value in iter_nodes(root, start, forward, prune):
        if match(path, value):
            return path
    for path, value in iter_nodes(root, None, forward, prune):
        if path == start:
            break
        if match(path, value):
            return path
    return None


def _rev_children(value: dict | list) -> Iterator[tuple[Any, Any]]:
    return _child_iter(value, len(value), False)


def _is_container(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def subtree_size(value: Any, limit: int) -> int:
    """Number of nodes in ``value`` (itself included), counting stops past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        total += 1
        if isinstance(item, dict | list):
            stack.extend(item.values() if isinstance(item, dict) else item)
    return total


@dataclass(slots=True)
class LineInfo:
    """One visible line: where it is in the value and how it is drawn."""

    path: Path
    depth: int
    value: Any
    expanded: bool

    @property
    def is_container(self) -> bool:
        """Non-empty object or array (can be expanded)."""
        return _is_container(self.value)


class _Open:
    """An expanded container: which of its children are expanded, and its visible size."""

    __slots__ = ("children", "dirty", "key_pos", "keys", "order", "parent", "pos", "size")
    __slots__ += ("starts", "value")

    def __init__(self, value: dict | list, parent: _Open | None, pos: int) -> None:
        self.value = value
        self.parent = parent
        self.pos = pos
        self.keys: list[Any] | None = list(value) if isinstance(value, dict) else None
        self.key_pos: dict[str, int] | None = None  # built on first lookup by key
        self.children: dict[int, _Open] = {}
        self.order: list[int] = []  # sorted positions of expanded children
        self.starts: list[int] = []  # line offset (after own line) of each expanded child
        self.dirty = False
        self.size = 1 + len(value)  # own line + one line per child

    def key(self, i: int) -> str | int:
        return self.keys[i] if self.keys is not None else i

    def position(self, elem: str | int) -> int | None:
        if self.keys is not None:
            if self.key_pos is None:
                self.key_pos = {k: i for i, k in enumerate(self.keys)}
            return self.key_pos.get(elem) if isinstance(elem, str) else None
        if type(elem) is not int or not 0 <= elem < len(self.value):
            return None
        return elem

    def refresh(self) -> None:
        if self.dirty:
            extra = 0
            starts = []
            for i in self.order:
                starts.append(i + extra)
                extra += self.children[i].size - 1
            self.starts = starts
            self.dirty = False

    def offset_of(self, i: int) -> int:
        """Line offset of child ``i`` below this node's own line (0 = first child)."""
        self.refresh()
        m = bisect_left(self.order, i)
        if m == 0:
            return i
        prev = self.order[m - 1]
        return self.starts[m - 1] + self.children[prev].size + (i - prev - 1)


class LineIndex:
    """Maps visible line numbers to nodes of one JSON value, lazily.

    Only expanded containers are stored (``_Open``); a collapsed list of 200,000 rows is one
    ``_Open`` whose lines are computed on demand. Lookups cost O(depth · log expanded).
    """

    def __init__(self, value: Any) -> None:
        self.value = value
        # A hidden one-element list above the root makes the root an ordinary child.
        self._top = _Open([value], None, 0)

    @property
    def line_count(self) -> int:
        """Number of visible lines."""
        return self._top.size - 1

    def locate(self, line: int) -> LineInfo:
        """The node drawn on ``line`` (0 <= line < line_count)."""
        node = self._top
        path: list[Any] = []
        r = line + 1
        while True:
            if r == 0:
                return LineInfo(tuple(path[1:]), len(path) - 1, node.value, True)
            r -= 1
            node.refresh()
            m = bisect_right(node.starts, r) - 1
            if m >= 0:
                i = node.order[m]
                child = node.children[i]
                start = node.starts[m]
                if r < start + child.size:
                    path.append(node.key(i))
                    node, r = child, r - start
                    continue
                i = i + 1 + (r - start - child.size)
            else:
                i = r
            key = node.key(i)
            path.append(key)
            return LineInfo(tuple(path[1:]), len(path) - 1, node.value[key], False)

    def _open_at(self, path: Path) -> tuple[_Open | None, int | None]:
        """(deepest expanded node along ``(0, *path)``, position of the first unexpanded step)."""
        node = self._top
        for elem in (0, *path):
            i = node.position(elem)
            if i is None:
                return None, None
            child = node.children.get(i)
            if child is None:
                return node, i
            node = child
        return node, None

    def line_of(self, path: Path) -> int | None:
        """Line of ``path`` if it is visible (every ancestor expanded), else None."""
        node = self._top
        line = -1
        elems = (0, *path)
        for n, elem in enumerate(elems):
            i = node.position(elem)
            if i is None:
                return None
            line += 1 + node.offset_of(i)
            child = node.children.get(i)
            if child is None:
                return line if n == len(elems) - 1 else None
            node = child
        return line

    def visible_ancestor(self, path: Path) -> Path:
        """The longest prefix of ``path`` that exists and is visible."""
        node = self._top
        for n, elem in enumerate((0, *path)):
            i = node.position(elem)
            if i is None:
                return path[: max(0, n - 1)]
            child = node.children.get(i)
            if child is None:
                return path[:n]
            node = child
        return path

    def is_expanded(self, path: Path) -> bool:
        """True when the container at ``path`` is expanded."""
        node, pending = self._open_at(path)
        return node is not None and pending is None

    def _attach(self, parent: _Open, i: int) -> _Open | None:
        value = parent.value[parent.key(i)]
        if not _is_container(value):
            return None
        child = _Open(value, parent, i)
        parent.children[i] = child
        parent.order.insert(bisect_left(parent.order, i), i)
        self._grow(parent, child.size - 1)
        return child

    def _grow(self, node: _Open | None, delta: int) -> None:
        while node is not None:
            node.size += delta
            node.dirty = True
            node = node.parent

    def expand(self, path: Path) -> int:
        """Expand ``path`` and its ancestors; return the number of lines added."""
        before = self.line_count
        node = self._top
        for elem in (0, *path):
            i = node.position(elem)
            if i is None:
                break
            child = node.children.get(i) or self._attach(node, i)
            if child is None:
                break
            node = child
        return self.line_count - before

    def collapse(self, path: Path) -> int:
        """Collapse ``path`` (descendants forget their state); return the lines removed."""
        node, pending = self._open_at(path)
        if node is None or pending is not None or node.parent is None:
            return 0
        parent = node.parent
        del parent.children[node.pos]
        parent.order.remove(node.pos)
        removed = node.size - 1
        self._grow(parent, -removed)
        return removed

    def get(self, path: Path) -> Any:
        """The value at ``path`` (which must exist)."""
        value = self.value
        for elem in path:
            value = value[elem]
        return value

    def expand_all(self, path: Path, limit: int) -> int | None:
        """Expand everything below ``path``; None (and nothing done) if that adds > ``limit``."""
        value = self.get(path)
        if not _is_container(value):
            return 0
        node, pending = self._open_at(path)
        shown = node.size if node is not None and pending is None else 1
        added = subtree_size(value, limit + shown) - shown
        if added > limit:
            return None
        self.expand(path)
        root, _ = self._open_at(path)
        stack = [root]
        while stack:
            node = stack.pop()
            for i in range(len(node.value)):
                child = node.children.get(i) or self._attach(node, i)
                if child is not None:
                    stack.append(child)
        return added

    def collapse_all(self) -> None:
        """Back to the first view: only the root expanded."""
        self._top = _Open([self.value], None, 0)
        self.expand(())

    def expanded_paths(self) -> list[Path]:
        """Every expanded path, parents before children."""
        out: list[Path] = []
        stack: list[tuple[_Open, Path]] = [(c, ()) for c in self._top.children.values()]
        while stack:
            node, path = stack.pop()
            out.append(path)
            stack.extend((c, (*path, node.key(i))) for i, c in node.children.items())
        return out
