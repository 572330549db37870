"""Page pictures: rendered PDF pages, boxes drawn where citations say, crops, character cells."""

from __future__ import annotations

import io
import math
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from explorer.core.page_image import (
    PDF_LOCK,
    Box,
    CellPage,
    PageImageError,
    cell_page,
    clean_box,
    crop_region,
    draw_boxes,
    page_from_png,
    pdf_page_count,
    pdf_page_size,
    png_bytes,
    render_pdf_page,
)

LETTER = (612.0, 792.0)
SMALL = (400.0, 500.0)
INK = Box(72, 100, 200, 50)  # the black rectangle on page 1
CORNER = Box(0, 0, 20, 20)  # the black square in page 2's top-left corner
OUTLINE = set("┌─┐│└┘█[]┬┴")
SHADE = set("·░▒▓")


@pytest.fixture(scope="module")
def pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF(unit="pt", format=LETTER)  # fpdf2: points, top-left origin
    doc.set_auto_page_break(False)
    doc.add_page()
    doc.set_fill_color(0, 0, 0)
    doc.rect(INK.x, INK.y, INK.w, INK.h, style="F")
    doc.set_font("Helvetica", size=11)
    doc.text(72, 420, "Invoice total: 1,234.56")
    doc.add_page(format=SMALL)
    doc.rect(CORNER.x, CORNER.y, CORNER.w, CORNER.h, style="F")
    return bytes(doc.output())


@pytest.fixture(scope="module")
def page1(pdf: bytes) -> Image.Image:
    return render_pdf_page(pdf, 1, scale=2.0)


def is_red(px: tuple[int, ...]) -> bool:
    return px[0] > 180 and px[1] < 90 and px[2] < 90


def is_dark(px: tuple[int, ...]) -> bool:
    return sum(px[:3]) < 150


def is_white(px: tuple[int, ...]) -> bool:
    return min(px[:3]) > 230


# -- clean_box ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "x",
        [1, 2, 3, 4],
        {"x": 1, "y": 2, "w": 3},
        {"x": "1", "y": 2, "w": 3, "h": 4},
        {"x": 1, "y": 2, "w": -3, "h": 4},
        {"x": math.nan, "y": 2, "w": 3, "h": 4},
        {"x": 1, "y": math.inf, "w": 3, "h": 4},
        {"x": 1, "y": 2, "w": 1e300, "h": 4},
        {"x": True, "y": 2, "w": 3, "h": 4},
    ],
)
def test_malformed_boxes_are_skipped(raw: object) -> None:
    assert clean_box(raw) is None


def test_clean_box_keeps_good_boxes() -> None:
    assert clean_box({"x": 1, "y": 2.5, "w": 0, "h": 4, "extra": "ok"}) == Box(1.0, 2.5, 0.0, 4.0)
    assert clean_box(Box(1, 2, 3, 4)) == Box(1, 2, 3, 4)


# -- PDF ---------------------------------------------------------------------------------------


def test_page_count_and_sizes(pdf: bytes) -> None:
    assert pdf_page_count(pdf) == 2
    assert pdf_page_size(pdf, 1) == pytest.approx(LETTER)
    assert pdf_page_size(pdf, 2) == pytest.approx(SMALL)


def test_render_size_follows_page_size_and_scale(pdf: bytes, page1: Image.Image) -> None:
    assert page1.mode == "RGB"
    assert page1.size == (1224, 1584)
    assert render_pdf_page(pdf, 1).size == (1224, 1584)  # default scale 2.0
    assert render_pdf_page(pdf, 2, scale=1.0).size == (400, 500)
    wide = render_pdf_page(pdf, 1, width_px=900, scale=5.0)  # width_px wins
    assert wide.width == 900
    assert abs(wide.height - 792 * 900 / 612) <= 1


def test_render_shows_the_page_content_where_it_is(page1: Image.Image) -> None:
    assert is_dark(page1.getpixel((2 * 172, 2 * 125)))  # inside the black rectangle
    assert is_white(page1.getpixel((2 * 60, 2 * 125)))  # left of it
    assert is_white(page1.getpixel((2 * 172, 2 * 160)))  # below it


def test_drawn_box_edges_are_red_where_the_box_says(page1: Image.Image) -> None:
    box = Box(300, 300, 100, 50)  # blank paper: pixels (600, 600) .. (799, 699)
    drawn = draw_boxes(page1, [box], LETTER, width=3)
    assert drawn is not page1 and drawn.size == page1.size
    mid_y, mid_x = 650, 700
    for edge in [(601, mid_y), (798, mid_y), (mid_x, 601), (mid_x, 698)]:
        assert is_red(drawn.getpixel(edge)), edge
    for outside in [(596, mid_y), (803, mid_y), (mid_x, 596), (mid_x, 703)]:
        assert drawn.getpixel(outside) == page1.getpixel(outside), outside
    inside = drawn.getpixel((mid_x, mid_y))
    assert inside != page1.getpixel((mid_x, mid_y)) and not is_red(inside)  # translucent fill
    assert is_white(page1.getpixel((601, mid_y)))  # the input is untouched


def test_draw_boxes_scales_to_a_screenshot_of_another_resolution() -> None:
    shot = Image.new("RGB", (1000, 500), "white")  # x: 1000/612 px per point, y: 500/792
    box = Box(306, 396, 61.2, 79.2)  # centre of the page, 1/10 of it each way
    drawn = draw_boxes(shot, [box], LETTER, width=2)
    assert is_red(drawn.getpixel((500, 270)))  # left edge
    assert is_red(drawn.getpixel((599, 270)))  # right edge
    assert is_red(drawn.getpixel((550, 250)))  # top edge
    assert is_red(drawn.getpixel((550, 299)))  # bottom edge
    for outside in [(496, 270), (603, 270), (550, 246), (550, 303)]:
        assert is_white(drawn.getpixel(outside)), outside


def test_current_box_stands_out_and_boxes_off_the_page_are_clipped(page1: Image.Image) -> None:
    boxes = [Box(100, 300, 100, 50), Box(300, 300, 100, 50), Box(-50, 500, 100, 50)]
    drawn = draw_boxes(page1, [*boxes, Box(700, 0, 10, 10)], LETTER, current=1, width=2)
    other, current = drawn.getpixel((201, 650)), drawn.getpixel((601, 650))
    assert is_red(other) and not is_red(current) and current[2] > 180
    assert drawn.getpixel((603, 650)) == current != drawn.getpixel((604, 650))  # twice as thick
    assert not is_red(drawn.getpixel((202, 650)))
    assert is_red(drawn.getpixel((40, 1001)))  # the part on the page is drawn
    assert not is_red(drawn.getpixel((0, 1050)))  # its left edge lies off the page
    assert draw_boxes(page1, [Box(700, 0, 10, 10)], LETTER).tobytes() == page1.tobytes()


# -- crop --------------------------------------------------------------------------------------


def test_crop_contains_the_box_region(page1: Image.Image) -> None:
    crop = crop_region(page1, [INK], LETTER)
    # the box plus 24 points each way: 248 x 98, grown to 120 points tall
    assert crop.width >= 600
    assert crop.width / crop.height == pytest.approx(248 / 120, rel=0.02)
    w, h = crop.size
    assert is_dark(crop.getpixel((w // 2, h // 2)))
    assert is_dark(crop.getpixel((w // 10 + 2, h // 2)))  # 24 of 248 points in: the ink's edge
    assert is_white(crop.getpixel((w // 20, h // 2)))  # the margin
    for corner in [(2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3)]:
        assert is_white(crop.getpixel(corner))


def test_crop_is_clamped_at_the_page_edge(pdf: bytes) -> None:
    page2 = render_pdf_page(pdf, 2, scale=2.0)
    crop = crop_region(page2, [Box(0, 0, 30, 30)], SMALL)
    # 120 x 120 points from the page's corner, not centred on a box hanging off it
    assert crop.width >= 600 and crop.width == pytest.approx(crop.height, abs=1)
    w = crop.width
    assert is_dark(crop.getpixel((1, 1)))  # the black square sits in the corner
    assert is_dark(crop.getpixel((int(w * 0.15), int(w * 0.15))))  # 18 of 20 points
    assert is_white(crop.getpixel((int(w * 0.19), int(w * 0.19))))  # 23 points
    assert is_white(crop.getpixel((w // 2, w // 2)))


def test_crop_with_no_usable_box_is_the_whole_page(page1: Image.Image) -> None:
    crop = crop_region(page1, [{"x": "bad"}, Box(900, 900, 5, 5)], LETTER)  # type: ignore[list-item]
    assert crop.size == page1.size


# -- character cells ---------------------------------------------------------------------------


def cells_with(cp: CellPage, chars: set[str]) -> list[tuple[int, int]]:
    return [(c, r) for r, line in enumerate(cp.lines) for c, ch in enumerate(line) if ch in chars]


def test_cell_page_geometry(page1: Image.Image) -> None:
    cp = cell_page(page1, LETTER, [], 60)
    assert (cp.cols, cp.rows) == (60, 39)  # 60 * (792 / 612) / 2, a cell twice as tall as wide
    assert len(cp.lines) == 39 and all(len(line) == 60 for line in cp.lines)
    narrow = cell_page(page1, LETTER, [], 3, 2)
    assert narrow.cols == 8 and all(len(line) == 8 for line in narrow.lines)
    assert cell_page(None, (612, 10), [], 40).rows == 4  # a very wide page still gets 4 rows
    assert cell_page(None, LETTER, [], 40, rows=10).rows == 10


def test_box_outline_in_its_quadrant(page1: Image.Image) -> None:
    cp = cell_page(page1, LETTER, [Box(60, 250, 200, 100)], 60)
    outline = cells_with(cp, set("┌─┐│└┘"))
    assert outline and all(c < 30 and r < 20 for c, r in outline)
    c0, r0, c1, r1 = cp.box_cells[0]
    assert cp.lines[r0][c0] == "┌" and cp.lines[r0][c1] == "┐"
    assert cp.lines[r1][c0] == "└" and cp.lines[r1][c1] == "┘"
    assert set(cp.lines[r0][c0 + 1 : c1]) == {"─"}
    assert all(cp.lines[r][c0] == "│" for r in range(r0 + 1, r1))
    assert c0 == 5 and c1 < 30 and r1 < 20  # 60 / 612 * 60 = 5.9 -> column 5


def test_ink_is_shaded_and_blank_paper_is_blank(page1: Image.Image) -> None:
    cp = cell_page(page1, LETTER, [], 60)
    # the black rectangle (72..272, 100..150 points) covers columns 8..25, rows 5..6 fully
    assert all(cp.lines[r][c] == "▓" for r in (5, 6) for c in range(8, 26))
    assert set(cp.lines[30][30:]) == {" "}  # bottom-right quadrant: blank paper
    assert all(set(line[30:]) == {" "} for line in cp.lines[20:])
    text_row = cp.lines[math.floor(415 * 39 / 792)]  # the line of text near y = 420
    assert set(text_row[8:20]) & SHADE


def test_text_boxes_fallback_without_an_image() -> None:
    text = [Box(72, 400, 300, 20), {"x": math.nan}]  # type: ignore[list-item]
    cp = cell_page(None, LETTER, [], 60, text_boxes=text)  # type: ignore[arg-type]
    shaded = cells_with(cp, {"░"})
    assert shaded and {r for _, r in shaded} <= {19, 20}
    assert min(c for c, _ in shaded) == 7 and max(c for c, _ in shaded) == 36
    assert set("".join(cp.lines)) == {" ", "░"}
    assert set("".join(cell_page(None, LETTER, [], 60).lines)) == {" "}


def test_malformed_and_off_page_boxes_keep_their_places() -> None:
    boxes = [
        {"x": "1", "y": 2, "w": 3, "h": 4},
        Box(700, 100, 50, 50),  # right of the page
        Box(-100, -100, 50, 50),  # above-left of it
        {"x": 72, "y": 100, "w": 100, "h": 100},  # a good one, as the API sends it
        {"x": 72, "y": 100, "w": -5, "h": 10},
    ]
    cp = cell_page(None, LETTER, boxes, 60)  # type: ignore[arg-type]
    assert len(cp.box_cells) == 5
    assert [c is None for c in cp.box_cells] == [True, True, True, False, True]
    assert len(cells_with(cp, {"┌"})) == 1
    assert all(len(line) == 60 for line in cp.lines)


def test_box_partly_off_the_page_is_clipped() -> None:
    cp = cell_page(None, LETTER, [Box(500, 700, 300, 300)], 60)
    c0, r0, c1, r1 = cp.box_cells[0]
    assert (c1, r1) == (59, cp.rows - 1)
    assert cp.lines[r0][c0] == "┌"
    assert not cells_with(cp, set("┐└┘"))  # those corners are off the page
    assert all(len(line) == 60 for line in cp.lines)


def test_small_boxes_stay_visible() -> None:
    # a cell is 10.2 x 20.3 points at 60 columns
    tiny = cell_page(None, LETTER, [Box(103, 103, 2, 2)], 60)
    assert cells_with(tiny, OUTLINE) == [(10, 5)] and tiny.lines[5][10] == "█"
    line = cell_page(None, LETTER, [Box(103, 103, 100, 5)], 60)
    assert line.lines[5][10] == "[" and line.lines[5][19] == "]"
    assert cells_with(line, OUTLINE) == [(10, 5), (19, 5)]


def test_current_box_is_drawn_on_top() -> None:
    boxes = [Box(100, 100, 200, 200), Box(100, 100, 100, 100)]
    below = cell_page(None, LETTER, boxes, 60)
    above = cell_page(None, LETTER, boxes, 60, current=0)
    c0, r0, c1, _ = above.box_cells[0]
    assert above.lines[r0][c0 : c1 + 1] == "┌" + "─" * (c1 - c0 - 1) + "┐"
    assert below.lines[r0][c0 : c1 + 1] != above.lines[r0][c0 : c1 + 1]


@pytest.mark.parametrize("size", [(0, 792), (612, -1), (math.nan, 792), ("a", "b")])
def test_bad_page_size_is_an_error(size: tuple[float, float]) -> None:
    with pytest.raises(PageImageError):
        cell_page(None, size, [], 60)


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\ngarbage"])
def test_unreadable_pdf(data: bytes) -> None:
    with pytest.raises(PageImageError):
        pdf_page_count(data)
    with pytest.raises(PageImageError):
        render_pdf_page(data, 1)
    assert not PDF_LOCK.locked()


@pytest.mark.parametrize("page", [5, 0, -1])
def test_page_out_of_range(pdf: bytes, page: int) -> None:
    with pytest.raises(PageImageError) as err:
        render_pdf_page(pdf, page)
    assert str(page) in str(err.value) and "2 pages" in str(err.value)
    with pytest.raises(PageImageError, match="2 pages"):
        pdf_page_size(pdf, page)
    assert not PDF_LOCK.locked()


def test_screenshot_round_trip() -> None:
    rgba = Image.new("RGBA", (30, 20), (10, 20, 30, 255))
    got = page_from_png(png_bytes(rgba))
    assert got.mode == "RGB" and got.size == (30, 20) and got.getpixel((5, 5)) == (10, 20, 30)
    out = io.BytesIO()
    Image.new("L", (16, 8), 200).save(out, "JPEG")
    assert page_from_png(out.getvalue()).mode == "RGB"


@pytest.mark.parametrize("data", [b"", b"garbage", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_undecodable_screenshot(data: bytes) -> None:
    with pytest.raises(PageImageError):
        page_from_png(data)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_decompression_bomb_is_refused() -> None:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)  # 10 gigapixels, RGB
    idat = zlib.compress(b"\0" * 1000)
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
    bomb += _chunk(b"IEND", b"")
    with pytest.raises(PageImageError, match="too large"):
        page_from_png(bomb)


# -- threads -----------------------------------------------------------------------------------


def test_two_threads_render_at_once(pdf: bytes) -> None:
    def render(n: int) -> tuple[int, int]:
        page = 1 + n % 2
        cell_page(render_pdf_page(pdf, page, width_px=300), LETTER, [INK], 40)
        return render_pdf_page(pdf, page, scale=1.0).size

    with ThreadPoolExecutor(2) as pool:
        sizes = list(pool.map(render, range(8)))
    assert sizes == [(612, 792), (400, 500)] * 4
    assert not PDF_LOCK.locked()
