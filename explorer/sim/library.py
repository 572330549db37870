"""Every file's document, made on first request and kept in small caches.

A file's document prints the result of its source job (the first job run on it) as that job
read it before any re-run drift: the document is the truth, later runs are readings of it. The
layout (`explorer.sim.layout`) is what citations and parse jobs are made of; the PDF and the page
images are printed from it only when someone downloads them. All of it is deterministic per
world seed and day, built once per file however many threads ask, and bounded in memory.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from .bulk import big_rows
from .documents import KINDS
from .files import FileRecord
from .grounding_faults import is_grounding_fault
from .ids import rng_for
from .outcome import build_result
from .records import JobRecord

if TYPE_CHECKING:
    from .paper import Paper
    from .state import SimState
    from .typeface import Typeface

T = TypeVar("T")


class Lru:
    """A bounded, thread-safe cache that builds each missing value once (other askers wait)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The cached value for `key`, built by `build` if missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = build()
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
                self._building.pop(key, None)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class DocumentStore:
    """The documents of one `SimState`'s files (and the count of key-carrying blob requests)."""

    def __init__(self, state: SimState, typeface: Typeface | None = None) -> None:
        self._state = state
        self._typeface = typeface
        self.papers = Lru(64)
        self.pdfs = Lru(8)
        self.images = Lru(24)
        self._lock = threading.Lock()
        self.blob_requests = 0
        self.blob_requests_with_auth = 0

    @property
    def typeface(self) -> Typeface:
        """The font documents are printed in (found and loaded on first use)."""
        if self._typeface is None:
            from .typeface import default_typeface

            self._typeface = default_typeface()
        return self._typeface

    def note_blob_request(self, with_auth: bool) -> None:
        """Count a request to the object store (and whether it carried an API key)."""
        with self._lock:
            self.blob_requests += 1
            self.blob_requests_with_auth += int(with_auth)

    # --- layout -----------------------------------------------------------------------------

    def paper(self, file: FileRecord) -> Paper:
        """The laid-out document of `file`."""
        return self.papers.get(file.id, lambda: self._lay_out(file))

    def paper_for_job(self, rec: JobRecord) -> Paper | None:
        """The document a job ran on (None if its file is unknown)."""
        file = self._state.file_of(rec)
        return self.paper(file) if file is not None else None

    def _lay_out(self, file: FileRecord) -> Paper:
        # imported on first use: the simulator starts without loading any of the layout code
        from .layout import lay_out, title_for
        from .paper import Paper

        source = file.source
        cfg = source.configuration
        kind = KINDS.get(source.kind or "")
        width, height = kind.page_size if kind else (612, 792)
        tf = self.typeface
        if "big" in source.tweaks:
            result: Any = big_rows(source, self._state.today)[0]
        else:
            result = build_result(source, self._state.today, drifted=False)
        title = tf.printable(title_for(source.kind, cfg.get("data_schema"), file.name))
        paper = Paper(file.id, title or "Document", width, height, [])
        lay_out(
            paper,
            result,
            tf,
            rng_for("paper", file.id),
            target=str(cfg.get("extraction_target") or "per_doc"),
            pages=max(source.pages, 1),
            page_error="page_error" in source.tweaks,
            # its citations are wrong on purpose: nothing else about it may be
            misprints=not is_grounding_fault(source.tweaks),
        )
        if paper.page_count > source.pages:
            # content longer than the job counted: its runs read (and bill) every page
            old, runs = source.pages, [source]
            for document in {file.id, source.document}:
                runs += self._state.jobs_on_document(document)
            for rec in runs:
                if rec.pages == old:  # not one that stopped early (max_pages)
                    rec.pages = paper.page_count
        return paper

    # --- bytes ------------------------------------------------------------------------------

    def pdf(self, file: FileRecord) -> bytes:
        """The document as a PDF (also for image files: the parse job reads this)."""
        return self.pdfs.get(file.id, lambda: self._print(file))

    def _print(self, file: FileRecord) -> bytes:
        from .printer import render_pdf

        return render_pdf(
            self.paper(file), self.typeface, created=self.created(file), name=file.name
        )

    def created(self, file: FileRecord) -> datetime:
        """When the PDF says it was made: the upload time, on the world's day (so bytes stay the
        same all day for a seed, however the base time of day moves)."""
        midnight = datetime.combine(self._state.today, time(), UTC)
        return midnight + timedelta(seconds=round(file.created))

    def page_image(self, file: FileRecord, page: int) -> bytes:
        """A PNG screenshot of page `page` (1-based)."""
        from .printer import render_page

        return self.images.get(
            (file.id, page, "PNG"), lambda: render_page(self.pdf(file), page, image_format="PNG")
        )

    def file_bytes(self, file: FileRecord) -> tuple[bytes, str]:
        """The uploaded file's bytes and content type: a PDF, or a photo of page 1."""
        content_type = file.content_type
        if content_type == "application/pdf":
            return self.pdf(file), content_type
        from .printer import render_page

        fmt = "JPEG" if content_type == "image/jpeg" else "PNG"
        data = self.images.get(
            (file.id, 1, fmt), lambda: render_page(self.pdf(file), 1, image_format=fmt)
        )
        return data, content_type
