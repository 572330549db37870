"""A job file full of everything a document or a hostile server could put in front of the app.

Used by the pilot tests and the pty test: every class of hazard named in issue 5, in every place
a job carries text (ids, document name, status, error message, schema, result, field metadata).
Some hazards cannot be made by ``json.dumps`` (duplicate keys, ``1e400``, a literal ``NaN`` next
to a lone surrogate escape), so the JSON text is patched after dumping.
"""

from __future__ import annotations

import json
from typing import Any

# Markup: Rich and Textual tags, a click action, a link.
MARKUP = [
    "[bold red]PAID[/]",
    "[@click=app.quit]x[/]",
    "[link=https://evil.example]click[/link]",
    "[reverse on red]$accent[/]",
]
# Terminal control: CSI (clear screen, colour, cursor home, leave the alternate screen, ask the
# terminal to answer), OSC (window title, clipboard write, hyperlink), 8-bit C1 forms.
CLEAR = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"
HYPERLINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
CONTROL = [
    f"{CLEAR}\x1b[31mCLEARED\x1b[0m",
    "\x1b[H\x1b[?1049lALT-SCREEN-OFF",
    "\x1b[6nDSR",
    f"title{TITLE}",
    f"clip{CLIPBOARD}",
    HYPERLINK,
    "c1-csi\x9b2J c1-osc\x9d0;pwned8\x9c",
]
#: Sequences Textual never writes itself: if one reaches the terminal, it came from the data.
#: (Textual does write ``\x1b[?1049l``, ``\x1b[0m`` and the like: those are checked in context,
#: as the whole hostile string, by ``escape_segments``.)
NEVER_WRITTEN = [
    CLEAR,
    "\x1b[6n",
    "\x1b]0;",
    "\x1b]52;",
    "\x1b]8;",
    "\x9b",
    "\x9d",
    "\x9c",
]
BIDI = ["\u202eexe.fdp", "a\u2066b\u2067c\u2068d\u2069e", "\u200fRLM\u200eLRM\u061c"]
ZERO_WIDTH = ["In\u200bvoice\u200d total\ufeff", "\u2060joined\u2061\u2064"]
C0 = "".join(chr(c) for c in range(0x20)) + "\x7f"
C1 = "".join(chr(c) for c in range(0x80, 0xA0))
NUL = "nul\x00byte"
HUGE_STRING = "A" * 1_000_000 + TITLE + "tail"
BIG_ARRAY = list(range(10_000))
DEPTH = 500
JOB_ID = "ext-00000000-0000-4000-8000-00000000dead"
HOSTILE_ID_JOB = "ext-\x1b]0;pwned\x07\u202e[bold]x[/]"

EVERY_STRING = [*MARKUP, *CONTROL, *BIDI, *ZERO_WIDTH, C0, C1, NUL]


def deep(depth: int) -> Any:
    value: Any = "bottom \x1b]0;deep\x07"
    for level in range(depth):
        value = {"level": value} if level % 2 else [value]
    return value


def hostile_result() -> dict[str, Any]:
    result: dict[str, Any] = {f"k{i}": s for i, s in enumerate(EVERY_STRING)}
    result.update(
        {
            # keys are text too
            **{s: f"value of a hostile key {i}" for i, s in enumerate(EVERY_STRING[:8])},
            "huge_string": HUGE_STRING,
            "big_array": BIG_ARRAY,
            "deep": deep(DEPTH),
            "huge_int": 10**100,
            "surrogate": "@@SURROGATE@@",
            "duplicate": "first",
            "not_a_number": float("nan"),
            "infinite": float("inf"),
            "minus_infinite": float("-inf"),
            "overflow": "@@OVERFLOW@@",
            "total": 12.5,
        }
    )
    return result


def hostile_schema() -> dict[str, Any]:
    props: dict[str, Any] = {
        s: {"type": "string", "description": s, "enum": [s, "ok"], "pattern": s}
        for s in EVERY_STRING
    }
    props["total"] = {"type": "number", "description": HUGE_STRING, "format": CLEAR}
    props["deep"] = deep(60)  # a schema that is not a schema
    return {"type": "object", "title": MARKUP[0], "properties": props, "required": MARKUP}


def hostile_metadata() -> dict[str, Any]:
    entry = {
        "confidence": float("nan"),
        "extraction_confidence": 10**100,
        "reasoning": " ".join(EVERY_STRING),
        "citation": [
            {
                "page": s,
                "matching_text": f"Total due {s} {HUGE_STRING[:5000]}",
                "bounding_boxes": [{"x": float("inf"), "y": s, "w": None, "h": []}],
            }
            for s in EVERY_STRING[:6]
        ],
    }
    return {
        "field_metadata": {
            "document_metadata": {
                "total": entry,
                "k0": entry,
                "big_array": [entry] * 3,
                "deep": deep(40),
                "error": " ".join(CONTROL),
            }
        },
        "parse_job_id": CONTROL[3],
        "parse_tier": MARKUP[1],
    }


def hostile_job(job_id: str = JOB_ID) -> dict[str, Any]:
    return {
        "id": job_id,
        "created_at": "2026-11-28T10:00:00Z",
        "updated_at": "2026-11-28T10:01:00Z",
        "project_id": "prj-hostile",
        "status": "COMPLETED",
        "file_input": f"dfl-{MARKUP[1]}{CONTROL[3]}",
        "configuration": {
            "data_schema": hostile_schema(),
            "extraction_target": "per_doc",
            "tier": MARKUP[0],
            "system_prompt": " ".join(EVERY_STRING),
            "lang": CONTROL[0],
            "version": CONTROL[4],
        },
        "configuration_id": CONTROL[5],
        "error_message": " ".join(EVERY_STRING),
        "extract_metadata": hostile_metadata(),
        "extract_result": hostile_result(),
        "metadata": {
            "file_name": f"{BIDI[0]} {MARKUP[0]} {TITLE}.pdf",
            "usage": {"num_pages_extracted": 10**100, "num_pages_billed": float("nan")},
            CLIPBOARD: HYPERLINK,
        },
        "usage": {"credits": float("inf"), "extract_credits": 10**100, "parse_credits": "\x00"},
    }


def hostile_id_job() -> dict[str, Any]:
    """A second job whose id, status, project and document are themselves hostile."""
    return {
        "id": HOSTILE_ID_JOB,
        "created_at": CONTROL[0],
        "updated_at": None,
        "project_id": f"prj-{MARKUP[1]}{TITLE}",
        "status": f"{MARKUP[0]}{CLEAR}\u202e",
        "file_input": HYPERLINK,
        "extract_result": [{"row": s} for s in EVERY_STRING],
        "configuration": {"data_schema": MARKUP, "extraction_target": CLIPBOARD},
        "metadata": {"file_name": CLIPBOARD},
    }


def hostile_json_text() -> str:
    """Two jobs as one JSON array, with the hazards ``json.dumps`` cannot write patched in."""
    text = json.dumps([hostile_job(), hostile_id_job()])  # NaN/Infinity written as literals
    text = text.replace('"@@SURROGATE@@"', '"lone \\ud800 and \\udfff surrogates"')
    text = text.replace('"@@OVERFLOW@@"', "1e400")
    # duplicate keys: the second one wins when parsed (what the server meant is unknowable)
    text = text.replace('"duplicate": "first"', '"duplicate": "first", "duplicate": "\\u001b[2J"')
    return text


def escape_segments(value: Any) -> set[str]:
    """Each ESC or C1 control in ``value``'s strings (keys included) with the text around it.

    None of these may reach the terminal: that would be the data's own control sequence, not
    one Textual wrote (Textual writes ``\x1b[0m`` too, hence the context).
    """
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            for i, c in enumerate(item):
                if c == "\x1b" or "\x80" <= c <= "\x9f":
                    segment = item[i : i + 24]
                    if len(segment) < 8:  # at the end: take what comes before instead
                        segment = item[max(0, i - 12) : i + 24]
                    found.add(segment)
    return found
