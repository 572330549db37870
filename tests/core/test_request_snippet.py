"""curl and SDK snippets of logged requests: runnable, quoted against hostile ids, keyless."""

from __future__ import annotations

import ast
import shlex
import shutil
import subprocess

import pytest

from explorer.api.request_log import RequestRecord
from explorer.core.request_snippet import as_curl, as_sdk, query_params

KEY = "llx-SNIPPET-secret-91ab"
BASE = "https://api.cloud.llamaindex.ai"
HOSTILE = [
    "ext-1'; touch /tmp/pwned-snippet; echo '",
    'ext-2"$(touch /tmp/pwned-snippet)"',
    "ext-3`id`\nrm -rf ~\n",
    "ext-4\x1b[201~; echo pasted",
]


def _record(method: str, path: str, query: str = "", body: bytes | None = None) -> RequestRecord:
    return RequestRecord(
        seq=1,
        method=method,
        path=path,
        query=query,
        status=200,
        error=None,
        duration=0.01,
        retry=0,
        response_size=10,
        started_at=0.0,
        body=body,
        body_size=len(body) if body is not None else 0,
    )


def _words(command: str) -> list[str]:
    """The shell words of a curl command (continuation lines joined)."""
    return shlex.split(command.replace("\\\n", " "), comments=True)


def test_curl_of_a_get_has_the_variable_not_the_key() -> None:
    record = _record("GET", "/api/v2/extract/ext-1", "expand=configuration&expand=usage")
    command = as_curl(record, BASE)
    assert '"Authorization: Bearer $LLAMA_CLOUD_API_KEY"' in command
    assert KEY not in command and "-X" not in command
    words = _words(command)
    assert words[:3] == [
        "curl",
        "-sS",
        f"{BASE}/api/v2/extract/ext-1?expand=configuration&expand=usage",
    ]


def test_curl_of_a_post_sends_its_body_quoted() -> None:
    body = b'{"file_input":"dfl-1","configuration":{"note":"it\'s $(not) run"}}'
    command = as_curl(_record("POST", "/api/v2/extract", "project_id=prj-1", body), BASE)
    words = _words(command)
    assert words[2:4] == ["-X", "POST"]
    data = words[words.index("--data-raw") + 1]
    assert data == '{"file_input": "dfl-1", "configuration": {"note": "it\'s $(not) run"}}'


@pytest.mark.parametrize("job_id", HOSTILE)
def test_hostile_ids_stay_one_word_and_run_nothing(job_id: str) -> None:
    from urllib.parse import quote

    # as the client sends it (percent-encoded), and raw (a record from anywhere)
    for path in (f"/api/v2/extract/{quote(job_id, safe='')}", f"/api/v2/extract/{job_id}"):
        command = as_curl(_record("GET", path, f"job_ids={job_id}"), BASE)
        assert "\x1b" not in command
        words = _words(command)
        assert words[0] == "curl" and words[2].startswith(f"{BASE}/api/v2/extract/")
        assert len(words) == 7  # curl -sS URL -H auth -H accept: nothing spilled out
        sdk = as_sdk(_record("GET", path))
        assert "\x1b" not in sdk
        tree = ast.parse(sdk)  # valid Python whose only string with the id is a literal
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        names = {ast.unparse(c.func) for c in calls}
        allowed = {"LlamaCloud", "client.extract.get", "client.get", "print", "job.model_dump_json"}
        assert names <= allowed


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_pasting_a_hostile_curl_into_bash_runs_only_curl(tmp_path) -> None:
    marker = tmp_path / "pwned"
    job_id = f"ext-x'; touch {marker}; echo '$(touch {marker})"
    command = as_curl(_record("GET", f"/api/v2/extract/{job_id}"), "http://127.0.0.1:9")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "curl").write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')
    (fake_bin / "curl").chmod(0o755)
    out = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={"PATH": f"{fake_bin}:/usr/bin:/bin", "LLAMA_CLOUD_API_KEY": "test-key"},
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert not marker.exists()
    assert "Authorization: Bearer test-key" in out.stdout.splitlines()


def test_sdk_snippets_use_the_sdk_methods() -> None:
    get = as_sdk(_record("GET", "/api/v2/extract/ext-1", "expand=usage&project_id=prj-1"), BASE)
    assert "from llama_cloud import LlamaCloud" in get
    assert "os.environ['LLAMA_CLOUD_API_KEY']" in get and KEY not in get
    assert (
        "client.extract.get(\n    'ext-1',\n    expand=['usage'],\n    project_id='prj-1',\n)"
        in get
    )
    listed = as_sdk(_record("GET", "/api/v2/extract", "job_ids=a&job_ids=b&page_size=2"))
    assert "client.extract.list(" in listed and "job_ids=['a', 'b']" in listed
    assert "page_size=2," in listed and "base_url" not in listed
    body = b'{"file_input":"dfl-1","configuration_id":"cfg-1"}'
    created = as_sdk(_record("POST", "/api/v2/extract", "", body))
    assert (
        "client.extract.create(\n    file_input='dfl-1',\n    configuration_id='cfg-1',\n)"
        in created
    )
    checked = as_sdk(
        _record("POST", "/api/v2/extract/schema/validation", "", b'{"data_schema":{}}')
    )
    assert "client.extract.validate_schema(\n    data_schema={},\n)" in checked
    assert "client.extract.cancel(" in as_sdk(_record("POST", "/api/v2/extract/ext-1/cancel"))
    deleted = as_sdk(_record("DELETE", "/api/v2/extract/ext-1", "force=true"))
    assert "client.extract.delete(\n    'ext-1',\n    force=True,\n)" in deleted
    other = as_sdk(_record("GET", "/api/v2/projects", "page_size=100"))
    assert "client.get(\n    '/api/v2/projects',\n    cast_to=object," in other
    for snippet in (get, listed, created, checked, deleted, other):
        ast.parse(snippet)


def test_a_cut_body_says_so() -> None:
    record = _record("POST", "/api/v2/extract", "", b'{"file_input":"dfl-1","configuration":{')
    record = RequestRecord(**{**record.__dict__, "body_size": 70_000})
    assert record.body_truncated
    assert as_curl(record, BASE).startswith("# NOTE: the body was 70,000 bytes")
    assert as_sdk(record).startswith("# NOTE:")


def test_query_params_types() -> None:
    assert query_params("expand=a&expand=b&page_size=5&force=false&status=RUNNING") == {
        "expand": ["a", "b"],
        "page_size": 5,
        "force": False,
        "status": "RUNNING",
    }
