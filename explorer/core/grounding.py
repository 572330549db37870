"""Grounding checks: is each field's value really where its citations say?

For every field with metadata, against the job's configuration and (when there is one) the
document the citations point into (:class:`explorer.core.document.Document`):

- ``confidence_missing`` / ``citations_missing``: asked for in the configuration, not there;
- ``page_missing``: the cited page is not in the document;
- ``box_off_page`` / ``big_box``: a box outside the page, or over half of it (a known failure of
  the service: a box over the whole page cites nothing);
- ``value_mismatch``: the value is not in the matching text (numbers and dates compared as
  values: "1,234.00" is 1234, "CHF 1 234" is 1234);
- ``wrong_page`` / ``text_not_found``: the matching text is not on the cited page (but on
  another one, which is named), or nowhere in the document;
- ``box_text``: the text inside the box does not hold the matching text.

Text is compared normalised: case, whitespace, thousands separators, currency signs and the
characters a worn scan confuses (0/O, 1/l) do not count. Pure Python, no Textual.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from explorer.core.document import Document
from explorer.core.field_row import Citation, FieldRow
from explorer.core.jsonpath import Path
from explorer.core.page_image import Box, clean_box
from explorer.core.sanitize import safe_value

__all__ = [
    "KINDS",
    "GroundingProblem",
    "GroundingReport",
    "check_grounding",
    "normalise",
    "value_in_text",
]

KINDS = (
    "confidence_missing",
    "citations_missing",
    "page_missing",
    "box_off_page",
    "big_box",
    "value_mismatch",
    "wrong_page",
    "text_not_found",
    "box_text",
)
#: A box covering this share of its page or more cites nothing in particular.
BIG_BOX_SHARE = 0.5
#: Matching texts shorter than this (after normalising) are not looked for on pages: "1" or
#: "no" is on every page.
_MIN_SEARCH = 3
_MAX_SHOWN = 60


@dataclass(frozen=True, slots=True)
class GroundingProblem:
    """One way a field's value is not grounded in the document."""

    path: Path
    path_str: str
    kind: str
    """One of :data:`KINDS`."""
    message: str
    #: The citation it is about (0-based, in the field's citation list), if one.
    citation: int | None = None


@dataclass
class GroundingReport:
    """The problems found, and what could be checked."""

    problems: list[GroundingProblem] = field(default_factory=list)
    #: Whether a document was at hand (without one, only the metadata itself is checked).
    with_document: bool = False
    #: What could not be checked, for people ("page 3 is a scan without text", ...).
    notes: list[str] = field(default_factory=list)

    def by_path(self) -> dict[Path, list[GroundingProblem]]:
        out: dict[Path, list[GroundingProblem]] = {}
        for p in self.problems:
            out.setdefault(p.path, []).append(p)
        return out


# -- normalising ------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CURRENCY = re.compile(r"[$€£¥₹₩₽¢]|\b(?:usd|eur|gbp|chf|jpy|cad|aud|inr|cny|sek|nok|dkk)\b")
_THOUSANDS = re.compile(r"(?<=\d)[,'’\u00a0\u202f\u2009 ](?=\d{3}(?!\d))")
_SPACE = re.compile(r"\s+")
# what a worn scan or OCR confuses; folded only when the plain comparison failed
_CONFUSABLE = str.maketrans({"o": "0", "l": "1", "i": "1", "|": "1", "c": "e", "s": "5"})


_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")


def _printable(text: str) -> str:
    """What a page can show of a text: no terminal escapes, control or format characters,
    symbols or emoji (a document's font may not have them; they ground nothing)."""
    t = unicodedata.normalize("NFKC", _ESCAPES.sub("", text))
    if t.isascii() and t.isprintable():
        return t
    return "".join(
        c for c in t if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf", "Co", "So", "Sk")
    )


def normalise(text: str) -> str:
    """Text as compared: NFKC, case-folded, no currency signs, thousands separators or spaces."""
    t = _printable(text).casefold()
    t = _CURRENCY.sub("", t)
    t = _THOUSANDS.sub("", t)
    return _SPACE.sub("", t)


def _contains(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` is in normalised ``haystack`` (OCR confusions forgiven)."""
    if needle in haystack:
        return True
    return needle.translate(_CONFUSABLE) in haystack.translate(_CONFUSABLE)


# -- values against text ----------------------------------------------------------------------

_NUMBER = re.compile(
    r"(?<![\w.])[-−(]?\d{1,3}(?:[.,'’\u00a0\u202f\u2009 ]\d{3})+(?:[.,]\d+)?(?!\d)"
    r"|(?<![\w.])[-−(]?\d+(?:[.,]\d+)?(?!\d)"
)
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_SEPARATORS = ",'’\u00a0\u202f\u2009 "


def _numbers_in(text: str) -> list[float]:
    """Every number written in ``text``, with either decimal mark and any thousands mark."""
    folded = _printable(text)
    out: list[float] = []
    for match in _NUMBER.finditer(folded):
        raw = match.group().replace("−", "-").replace("(", "-")
        for candidate in _readings(raw):
            out.append(candidate)
    return out


def _readings(raw: str) -> list[float]:
    """The values a written number can mean ("1.234" is 1.234, or 1234 in German)."""
    sign = -1.0 if raw.startswith("-") else 1.0
    body = raw.lstrip("-")
    found: list[float] = []
    last = max(body.rfind("."), body.rfind(","))
    # the last mark is a decimal mark when fewer or more than 3 digits follow it
    options = [body]
    if last >= 0:
        head, tail = body[:last], body[last + 1 :]
        options = [head.translate({ord(c): None for c in _SEPARATORS + ".,"}) + "." + tail]
        if len(tail) == 3:
            options.append(body.translate({ord(c): None for c in _SEPARATORS + ".,"}))
    else:
        options = [body.translate({ord(c): None for c in _SEPARATORS})]
    for opt in options:
        try:
            found.append(sign * float(opt))
        except ValueError:
            continue
    return found


def _written_numbers(text: str) -> list[float]:
    """The numbers in ``text`` as written, then as a worn scan misreads digits (O 0, l 1)."""
    return _numbers_in(text) + _numbers_in(text.translate(_DIGIT_LOOKALIKES))


def _same_number(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.005)


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC_DATE = re.compile(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")
_WORD_DATE = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})")
_WORD_DATE_US = re.compile(r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")


def _date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _dates_in(text: str) -> set[date]:
    """Every date written in ``text``, in the usual ways (both day/month orders)."""
    t = unicodedata.normalize("NFKC", text).casefold()
    out: set[date] = set()
    for a, b, c in _NUMERIC_DATE.findall(t):
        x, y, z = int(a), int(b), int(c)
        if len(a) == 4:
            candidates = [(x, y, z)]
        else:
            year = z + 2000 if len(c) == 2 else z
            candidates = [(year, y, x), (year, x, y)]
        out.update(d for d in (_date(*c) for c in candidates) if d)
    for d_, mon, y in _WORD_DATE.findall(t):
        if mon in _MONTHS and (got := _date(int(y), _MONTHS[mon], int(d_))):
            out.add(got)
    for mon, d_, y in _WORD_DATE_US.findall(t):
        if mon in _MONTHS and (got := _date(int(y), _MONTHS[mon], int(d_))):
            out.add(got)
    return out


def _as_date(value: str) -> date | None:
    m = _ISO.fullmatch(value.strip()[:10]) if len(value.strip()) >= 8 else None
    if m is None:
        return None
    return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        f = float(value)
        return f if math.isfinite(f) else None
    return None


def value_in_text(value: Any, text: str) -> bool | None:
    """Whether ``value`` is written in ``text``; None when that can't be judged (booleans...)."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    number = _as_number(value)
    if number is not None:
        written = _written_numbers(text)
        if any(_same_number(number, w) for w in written):
            return True
        # a share may be written as a percentage ("12.5 %" for 0.125)
        return "%" in text and any(_same_number(number * 100, w) for w in written)
    if not isinstance(value, str):
        return None
    if not value.strip():
        return None
    day = _as_date(value)
    if day is not None and day in _dates_in(text):
        return True
    want = normalise(value)
    have = normalise(text)
    if not want:
        return None
    if _contains(have, want) or (len(have) >= _MIN_SEARCH and _contains(want, have)):
        return True
    # a number kept as a string ("1,234.00" for a total typed as a string), not any text with
    # a number in it ("Net 15" is not "Nte 15"); the text's digits read as a worn scan's too
    if not _is_number_text(value):
        return False
    as_numbers = _numbers_in(value)
    written = _written_numbers(text)
    return len(as_numbers) == 1 and any(_same_number(as_numbers[0], w) for w in written)


def _is_number_text(value: str) -> bool:
    """Whether a string is a number as written: "1,234.00", "CHF 1 234", "(12.5)", "-3 %"."""
    bare = _CURRENCY.sub("", _printable(value).casefold()).strip().rstrip("%)").strip()
    return _NUMBER.fullmatch(bare) is not None


# -- the checks -------------------------------------------------------------------------------


def _requested(configuration: Mapping[str, Any] | None, key: str) -> bool:
    return isinstance(configuration, Mapping) and configuration.get(key) is True


def _clip(text: str) -> str:
    return safe_value(text, _MAX_SHOWN)


def _pages_with(document: Document, needle: str) -> list[int]:
    out = []
    for number, page in sorted(document.pages.items()):
        if page.text and _contains(normalise(page.text), needle):
            out.append(number)
    return out


def _box_problems(
    row: FieldRow,
    i: int,
    cit: Citation,
    size: tuple[float, float] | None,
    out: list[GroundingProblem],
) -> list[Box]:
    """Boxes off the page or over half of it; returns the usable boxes."""
    boxes = [b for b in (clean_box(raw) for raw in cit.bounding_boxes) if b is not None]
    if size is None:
        return boxes
    width, height = size
    tol_x, tol_y = max(2.0, 0.005 * width), max(2.0, 0.005 * height)
    page = f"page {cit.page}" if cit.page is not None else "the page"
    for box in boxes:
        if (
            box.x < -tol_x
            or box.y < -tol_y
            or box.x + box.w > width + tol_x
            or box.y + box.h > height + tol_y
        ):
            out.append(
                GroundingProblem(
                    row.path,
                    row.path_str,
                    "box_off_page",
                    f"a box lies off {page} (x {box.x:g}, y {box.y:g}, w {box.w:g}, h {box.h:g}"
                    f" on a {width:g}×{height:g} page)",
                    i,
                )
            )
            break
    for box in boxes:
        share = (max(box.w, 0) * max(box.h, 0)) / (width * height)
        if share >= BIG_BOX_SHARE:
            out.append(
                GroundingProblem(
                    row.path,
                    row.path_str,
                    "big_box",
                    f"a box covers {min(share, 1):.0%} of {page}: it points at nothing in "
                    "particular",
                    i,
                )
            )
            break
    return boxes


def _citation_size(cit: Citation, document: Document | None) -> tuple[float, float] | None:
    dims = cit.page_dimensions
    if dims is not None:
        w, h = dims.get("width"), dims.get("height")
        if (
            not isinstance(w, bool)
            and not isinstance(h, bool)
            and isinstance(w, int | float)
            and isinstance(h, int | float)
            and math.isfinite(w)
            and math.isfinite(h)
            and w > 0
            and h > 0
        ):
            return (float(w), float(h))
    if document is not None and cit.page is not None:
        page = document.page(cit.page)
        if page is not None:
            return page.size
    return None


def _check_row(
    row: FieldRow,
    asked_for: tuple[bool, bool],
    document: Document | None,
    report: GroundingReport,
) -> None:
    """``asked_for``: whether the configuration asked for confidence, and for citations."""
    out = report.problems
    value = row.value
    # an empty object or array extracts nothing: there is nothing to be confident of or to cite
    has_value = row.in_result and value is not None and value != "" and value != {} and value != []
    meta = row.meta
    # a field whose metadata is an error (a page that failed) is reported as that already
    asked = has_value and not (meta is None and row.problems)
    confidence_asked = asked and asked_for[0]
    if confidence_asked and row.confidence is None and row.extraction_confidence is None:
        out.append(
            GroundingProblem(
                row.path,
                row.path_str,
                "confidence_missing",
                "confidence was asked for (confidence_scores) but is missing",
            )
        )
    if asked and asked_for[1]:
        raw = None if meta is None else meta.get("citation", meta.get("citations"))
        if raw is None:
            out.append(
                GroundingProblem(
                    row.path,
                    row.path_str,
                    "citations_missing",
                    "citations were asked for (cite_sources) but the field has none",
                )
            )
    citations = row.citations
    if not citations:
        return
    texts: list[str] = []
    for i, cit in enumerate(citations):
        size = _citation_size(cit, document)
        page_ok = True
        if document is not None and cit.page is not None:
            exists = document.has_page(cit.page)
            if exists is False:
                out.append(
                    GroundingProblem(
                        row.path,
                        row.path_str,
                        "page_missing",
                        f"cites page {cit.page}; the document has {document.last_page} "
                        f"page{'s' if document.last_page != 1 else ''}",
                        i,
                    )
                )
                page_ok = False
        before = len(out)
        boxes = _box_problems(row, i, cit, size, out)
        # a box off the page is reported as that, not again as holding the wrong text
        off_page = any(p.kind == "box_off_page" for p in out[before:])
        text = cit.matching_text
        if not text or not text.strip():
            continue
        texts.append(text)
        if document is None or not page_ok or cit.page is None:
            continue
        needle = normalise(text)
        if len(needle) < _MIN_SEARCH:
            continue
        page = document.page(cit.page)
        if page is None or not page.text or not page.text.strip():
            continue  # a scan without text, or a page the parse job failed: nothing to read
        if not _contains(normalise(page.text), needle):
            elsewhere = [n for n in _pages_with(document, needle) if n != cit.page]
            if elsewhere:
                where = ", ".join(map(str, elsewhere[:5]))
                out.append(
                    GroundingProblem(
                        row.path,
                        row.path_str,
                        "wrong_page",
                        f'"{_clip(text)}" is on page {where}, not on the cited page {cit.page}',
                        i,
                    )
                )
            else:
                out.append(
                    GroundingProblem(
                        row.path,
                        row.path_str,
                        "text_not_found",
                        f'"{_clip(text)}" is not in the document (cited page {cit.page})',
                        i,
                    )
                )
            continue
        if boxes and not off_page and document.can_read_boxes:
            inside = [document.text_in_box(cit.page, b) for b in boxes]
            if any(t is None for t in inside):
                continue
            boxed = normalise(" ".join(t for t in inside if t))
            if not _contains(boxed, needle):
                shown = " ".join(" ".join(t.split()) for t in inside if t and t.strip())
                out.append(
                    GroundingProblem(
                        row.path,
                        row.path_str,
                        "box_text",
                        f"the box on page {cit.page} holds "
                        + (f'"{_clip(shown)}"' if shown else "no text")
                        + f', not "{_clip(text)}"',
                        i,
                    )
                )
    if has_value and texts:
        verdicts = [value_in_text(value, t) for t in texts]
        if len(texts) > 1 and not any(verdicts):
            verdicts.append(value_in_text(value, " ".join(texts)))
        if None not in verdicts and not any(verdicts):
            out.append(
                GroundingProblem(
                    row.path,
                    row.path_str,
                    "value_mismatch",
                    f"the value {_value_text(value)} is not in the matching text "
                    f'"{_clip(texts[0])}"',
                    0 if len(texts) == 1 else None,
                )
            )


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return _clip(value)
    return safe_value(value, _MAX_SHOWN)


def check_grounding(
    rows: Iterable[FieldRow],
    configuration: Mapping[str, Any] | None,
    document: Document | None = None,
    failed: Iterable[Path] = (),
) -> GroundingReport:
    """Every grounding problem of these field rows (see the module's docstring).

    ``failed`` are the paths whose metadata is an error (a page that could not be parsed):
    what is under them is not asked for confidence or citations again.
    """
    report = GroundingReport(with_document=document is not None)
    gone = set(failed)
    asked_for = (
        _requested(configuration, "confidence_scores"),
        _requested(configuration, "cite_sources"),
    )
    for row in rows:
        if row.meta is None and not row.in_result:
            continue
        if gone and row.meta is None and any(row.path[:d] in gone for d in range(len(row.path))):
            continue
        _check_row(row, asked_for, document, report)
    if document is not None:
        scans = [n for n, p in sorted(document.pages.items()) if p.error or not (p.text or "")]
        if scans:
            shown = ", ".join(map(str, scans[:8])) + ("…" if len(scans) > 8 else "")
            report.notes.append(f"page {shown} has no text to check against")
    return report


def job_configuration(job: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The configuration a job ran with (the saved one is folded in by the API)."""
    cfg = job.get("configuration")
    return cfg if isinstance(cfg, Mapping) else None
