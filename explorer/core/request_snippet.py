"""A logged request as something to paste: a ``curl`` command or a Python snippet with the SDK.

Both read the key from the environment (``$LLAMA_CLOUD_API_KEY``), never hold it, and quote
every value that came from a server or a user: a job id holding quotes, ``$()`` or a line break
becomes one inert shell word (``shlex.quote``) or one Python literal (``repr``), so a paste runs
that one request and nothing else. Custom headers are not reproduced (their values are secret
and not in the log). Pure: the record is read by attribute, nothing here imports httpx.
"""

from __future__ import annotations

import json
import pprint
import re
import shlex
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, unquote

if TYPE_CHECKING:
    from explorer.api.request_log import RequestRecord

__all__ = ["KEY_VARIABLE", "as_curl", "as_sdk", "query_params"]

#: The environment variable both snippets read the key from.
KEY_VARIABLE = "LLAMA_CLOUD_API_KEY"
#: Query parameters the API takes as a list (repeated in the URL).
LIST_PARAMS = frozenset({"expand", "job_ids", "file_ids"})
_INT_PARAMS = frozenset({"page_size"})
_BOOL_PARAMS = frozenset({"force"})
#: Printable ASCII but space: what may stay in a URL as is (shlex.quote does the rest).
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "%")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_JOB = re.compile(r"^/api/v2/extract/(?P<id>[^/]+)(?P<rest>/cancel)?$")


def _url(record: RequestRecord, base_url: str) -> str:
    """The whole URL, with anything unprintable percent-encoded (it was sent encoded)."""
    base = "" if record.presigned else base_url.rstrip("/")
    return quote(base + record.target, safe=_URL_SAFE + "%")


def _body_text(record: RequestRecord) -> str | None:
    """The body as ASCII JSON (same data), or its kept start with controls escaped."""
    if record.body is None:
        return None
    text = record.body.decode("utf-8", errors="replace")
    if not record.body_truncated:
        try:
            return json.dumps(json.loads(text), ensure_ascii=True)
        except ValueError:
            pass
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _cut_note(record: RequestRecord) -> str:
    return (
        f"# NOTE: the body was {record.body_size:,} bytes; the log kept only the first "
        f"{len(record.body or b''):,}, so this sends an incomplete body.\n"
    )


def as_curl(record: RequestRecord, base_url: str) -> str:
    """A ``curl`` command that sends ``record`` again (the key from ``$LLAMA_CLOUD_API_KEY``)."""
    lines: list[str] = []
    head = "curl -sS"
    if record.method != "GET":
        head += f" -X {shlex.quote(record.method)}"
    lines.append(f"{head} {shlex.quote(_url(record, base_url))}")
    if not record.presigned:
        lines.append(f'-H "Authorization: Bearer ${KEY_VARIABLE}"')
    lines.append("-H 'Accept: application/json'")
    body = _body_text(record)
    if body is not None:
        lines.append("-H 'Content-Type: application/json'")
        lines.append(f"--data-raw {shlex.quote(body)}")
    prefix = ""
    if record.presigned:
        prefix = (
            "# a presigned download: its signed query string is not kept in the log; get a "
            "fresh URL from GET /api/v1/beta/files/{id}/content (no key goes to this host)\n"
        )
    if record.body_truncated:
        prefix += _cut_note(record)
    return prefix + " \\\n  ".join(lines) + "\n"


def query_params(query: str) -> dict[str, Any]:
    """A query string as SDK keyword arguments: list params as lists, ints and bools typed."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in LIST_PARAMS:
            params.setdefault(key, []).append(value)
        elif key in _INT_PARAMS and value.isdigit():
            params[key] = int(value)
        elif key in _BOOL_PARAMS and value in ("true", "false"):
            params[key] = value == "true"
        else:
            params[key] = value
    return params


def _literal(value: Any, indent: int) -> str:
    """A Python literal of JSON data (``repr``: every unprintable character escaped)."""
    text = pprint.pformat(value, width=max(40, 96 - indent), sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def _call(target: str, positional: list[Any], kwargs: dict[str, Any]) -> str:
    args = [_literal(p, 4) for p in positional]
    args += [f"{k}={_literal(v, 4 + len(k) + 1)}" for k, v in kwargs.items()]
    if not args:
        return f"{target}()"
    return f"{target}(\n" + "".join(f"    {a},\n" for a in args) + ")"


def _body_data(record: RequestRecord) -> Any:
    if record.body is None:
        return None
    try:
        return json.loads(record.body.decode("utf-8", errors="replace"))
    except ValueError:
        return _body_text(record)


def _sdk_call(record: RequestRecord) -> tuple[str, str]:
    """The SDK call of ``record`` and what to print of its answer."""
    method, path = record.method, record.path
    params = query_params(record.query)
    body = _body_data(record)
    match = _JOB.match(path)
    if match:
        job_id = unquote(match["id"])
        if method == "GET" and not match["rest"]:
            call = _call("client.extract.get", [job_id], params)
            return f"job = {call}", "print(job.model_dump_json(indent=2))"
        if method == "POST" and match["rest"]:
            return f"job = {_call('client.extract.cancel', [job_id], params)}", "print(job.status)"
        if method == "DELETE" and not match["rest"]:
            return f"{_call('client.extract.delete', [job_id], params)}", 'print("deleted")'
    if path == "/api/v2/extract" and method == "GET":
        return f"page = {_call('client.extract.list', [], params)}", "print(page)"
    if path == "/api/v2/extract" and method == "POST" and isinstance(body, dict):
        return f"job = {_call('client.extract.create', [], {**body, **params})}", "print(job.id)"
    if path == "/api/v2/extract/schema/validation" and method == "POST" and isinstance(body, dict):
        kwargs = dict(body)
        if params:
            kwargs["extra_query"] = params
        return f"verdict = {_call('client.extract.validate_schema', [], kwargs)}", "print(verdict)"
    # no SDK method for it (or not one the explorer maps): the SDK's raw request
    options: dict[str, Any] = {"params": params} if params else {}
    kwargs: dict[str, Any] = {}
    if body is not None and method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = body
    verb = method.lower() if method in ("GET", "POST", "PUT", "PATCH", "DELETE") else "get"
    raw = _call(f"client.{verb}", [unquote(path)], {**kwargs, "options": options})
    raw = raw.replace("    options=", "    cast_to=object,\n    options=", 1)
    return f"data = {raw}", "print(data)"


def as_sdk(record: RequestRecord, base_url: str | None = None) -> str:
    """A Python snippet making ``record``'s request with the official SDK (``llama_cloud``).

    The SDK reads the key from ``LLAMA_CLOUD_API_KEY``; ``base_url`` is passed when given (else
    the SDK's default, or ``LLAMA_CLOUD_BASE_URL``).
    """
    if record.presigned:
        return (
            "# a presigned download: no SDK call (the signed URL is its own credential and its\n"
            "# query string is not kept in the log); get a fresh one with\n"
            "# client.files.content(file_id) or GET /api/v1/beta/files/{id}/content\n"
        )
    call, show = _sdk_call(record)
    client_args = f"api_key=os.environ[{KEY_VARIABLE!r}]"
    if base_url:
        client_args += f", base_url={base_url.rstrip('/')!r}"
    note = _cut_note(record) if record.body_truncated else ""
    return (
        f"{note}import os\n\nfrom llama_cloud import LlamaCloud\n\n"
        f"client = LlamaCloud({client_args})\n{call}\n{show}\n"
    )
