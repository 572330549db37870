"""The one typeface the simulated documents are printed in, and what of a string it can print.

DejaVu Sans when a copy is found (Latin, Greek, Cyrillic, Hebrew, Arabic, common symbols), else
the PDF core font Helvetica (Latin-1 only). Either way `printable` decides, from the font, the
exact text a document shows for a value: escape sequences, control and format characters
(U+200B, U+202E, ...) go, characters the font lacks are replaced by a near equivalent or dropped,
whitespace collapses. Layout, PDF and citations all use that one string, so what a citation
quotes is always what is drawn. Widths follow the font's advance widths exactly as fpdf2 places
glyphs, so boxes measured (and lines wrapped, `wrap`) here match the PDF.

Loading reads the font's cmap and metrics (tens of milliseconds), on first use, never at import.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

FONT_FILE = "DejaVuSans.ttf"
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/X11R6/lib/X11/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
_KNOWN = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
)
# The scripts a document may use. Embedding only these keeps every PDF's font subsetting cheap
# (a few thousand glyphs instead of six); anything else counts as missing from the font.
REPERTOIRE = (
    (0x0020, 0x024F),  # Latin, Latin-1, Latin Extended-A/B
    (0x0300, 0x036F),  # combining diacritics
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x0590, 0x06FF),  # Hebrew, Arabic
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x218F),  # letterlike symbols, number forms
    (0x2600, 0x26FF),  # miscellaneous symbols
)
# near equivalents for characters a font lacks (the core font has no dashes, quotes or euro)
_SUBSTITUTES = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201c": '"',
    "\u201d": '"',
    "\u2026": "...",
    "\u20ac": "EUR",
    "\u2022": "*",
    "\u2122": "TM",
    "\u00d7": "x",
}
# CSI (colours, cursor moves), OSC (window titles) and other escape sequences, whole
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# DejaVu Sans: hhea ascent 1901, descent -483 of 2048 units; Helvetica: the AFM's 718 and -207
_DEJAVU_EXTENTS = (0.928, -0.236)
_HELVETICA_EXTENTS = (0.718, -0.207)


@dataclass(eq=False)
class Typeface:
    """A font's metrics: which characters it has and how wide they are (per 1000 em)."""

    family: str  # the fpdf2 family name: "dejavu" (TTF) or "helvetica" (core font)
    path: Path | None  # the TTF; None for the core font
    widths: dict[int, int]
    ascent: float  # of the em, above the baseline
    descent: float  # negative: below it
    _subset: Path | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _fine: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        # the characters printed as they are: drawn by the font, neither control nor space
        self._fine = frozenset(
            chr(cp)
            for cp in self.widths
            if unicodedata.category(chr(cp))[0] not in "CZ" or cp == 0x20
        )

    def has(self, ch: str) -> bool:
        """Whether the font draws `ch`."""
        return ord(ch) in self.widths

    def width(self, text: str, size: float) -> float:
        """The advance width of `text` at `size` points (text must be printable)."""
        try:
            # C-level loop: the big statement measures hundreds of thousands of cells
            units = sum(map(self.widths.__getitem__, map(ord, text)))
        except KeyError:  # not printable text: what it lacks takes no room
            units = sum(self.widths.get(ord(c), 0) for c in text)
        return units * size / 1000.0

    def printable(self, text: str) -> str:
        """`text` as this font prints it: see the module docstring."""
        if self._fine.issuperset(text) and "  " not in text and text == text.strip():
            return text  # the common case (hundreds of thousands of cells in the big statement)
        out: list[str] = []
        for ch in _ESCAPE.sub("", text):
            cat = unicodedata.category(ch)
            if cat[0] == "Z" or ch in "\t\n\r\v\f":
                out.append(" ")
            elif cat[0] == "C":
                continue  # controls, format characters (bidi overrides, zero widths), unassigned
            elif self.has(ch):
                out.append(ch)
            else:
                out.append(self._substitute(ch))
        return " ".join("".join(out).split())

    def _substitute(self, ch: str) -> str:
        sub = _SUBSTITUTES.get(ch)
        if sub is not None and all(self.has(c) for c in sub):
            return sub
        # a letter with a diacritic the font lacks: the bare letter (ő -> o)
        parts = unicodedata.normalize("NFKD", ch)
        return "".join(c for c in parts if self.has(c) and not unicodedata.combining(c))

    def font_file(self) -> Path | None:
        """A TTF holding just the repertoire, for fpdf2 to embed (written once, on first use)."""
        if self.path is None:
            return None
        with self._lock:
            if self._subset is None:
                self._subset = _write_subset(self.path, self.widths)
            return self._subset


def wrap(text: str, first: float, rest: float, tf: Typeface, size: float) -> list[str]:
    """Greedy word wrap: the first line `first` wide, the others `rest` (an over-long word is
    cut). With `first` 0 the first line is left empty (the text starts on the next)."""
    space = tf.width(" ", size)
    lines: list[str] = []
    if first <= 0:
        lines.append("")
        first = rest
    limit, cur, cur_w = first, "", 0.0
    for word in text.split(" "):
        w = tf.width(word, size)
        if cur and cur_w + space + w <= limit:
            cur, cur_w = f"{cur} {word}", cur_w + space + w
            continue
        if cur:
            lines.append(cur)
            limit, cur, cur_w = rest, "", 0.0
        while w > limit and len(word) > 1:
            cut = _fit(word, limit, tf, size)
            lines.append(word[:cut])
            word, limit = word[cut:], rest
            w = tf.width(word, size)
        cur, cur_w = word, w
    if cur or lines in ([], [""]):
        lines.append(cur)
    return lines


def _fit(word: str, limit: float, tf: Typeface, size: float) -> int:
    total = 0.0
    for i, ch in enumerate(word):
        total += tf.width(ch, size)
        if total > limit:
            return max(i, 1)
    return len(word)


def find_font() -> Path | None:
    """DejaVu Sans on this machine: the usual places, any font folder, matplotlib's copy."""
    for known in _KNOWN:
        if os.path.isfile(known):
            return Path(known)
    for root in _FONT_DIRS:
        if os.path.isdir(root):
            for found in sorted(Path(root).rglob(FONT_FILE)):
                return found
    spec = importlib.util.find_spec("matplotlib")  # locates the package without importing it
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / FONT_FILE
        if bundled.is_file():
            return bundled
    return None


def load_ttf(path: Path) -> Typeface:
    """The metrics of a TTF (restricted to the repertoire)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    scale = 1000.0 / font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    cmap = font.getBestCmap()
    widths = {
        cp: round(scale * metrics[glyph][0] + 0.001)  # fpdf2's rounding (half up)
        for lo, hi in REPERTOIRE
        for cp in range(lo, hi + 1)
        if (glyph := cmap.get(cp)) is not None
    }
    hhea = font["hhea"]
    extents = (hhea.ascent * scale / 1000.0, hhea.descent * scale / 1000.0)
    font.close()
    ascent, descent = extents if extents[0] > 0 else _DEJAVU_EXTENTS
    return Typeface("dejavu", path, widths, ascent, descent)


def core_typeface() -> Typeface:
    """Helvetica, the PDF core font: Latin-1 only, nothing embedded."""
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS

    widths = {
        ord(ch): int(w)
        for ch, w in CORE_FONTS_CHARWIDTHS["helvetica"].items()
        if 0x20 <= ord(ch) <= 0x7E or 0xA0 <= ord(ch) <= 0xFF
    }
    return Typeface("helvetica", None, widths, *_HELVETICA_EXTENTS)


_default: Typeface | None = None
_default_lock = threading.Lock()


def default_typeface() -> Typeface:
    """DejaVu Sans if found, else Helvetica; loaded once per process."""
    global _default
    with _default_lock:
        if _default is None:
            path = find_font()
            _default = load_ttf(path) if path else core_typeface()
        return _default


def _write_subset(path: Path, widths: dict[int, int]) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), recalcTimestamp=False)
    # no glyph names (post format 3): fpdf2 works from the cmap, and loads the font faster
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=False)
    options.layout_features = []
    options.name_IDs = ["*"]
    # the tables fpdf2 drops when it embeds a font: no need to carry them into the subset
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "MATH", "hdmx", "meta", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(widths))
    subsetter.subset(font)
    folder = tempfile.mkdtemp(prefix="explorer-sim-font-")
    atexit.register(shutil.rmtree, folder, True)
    out = Path(folder) / f"sim-{path.name}"
    font.save(str(out))
    font.close()
    return out
