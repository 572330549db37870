"""``get JOB --curl`` / ``--sdk``: the request that fetched the job, keyless, and it runs."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.cli.conftest import API_KEY


def test_get_curl_prints_a_keyless_command_that_fetches_the_job(run, notable) -> None:
    job_id = notable["invoice_cited"]
    r = run("get", job_id, "--curl")
    assert r.code == 0
    assert r.out.startswith("curl -sS ")
    assert f"/api/v2/extract/{job_id}?" in r.out and "expand=configuration" in r.out
    assert '"Authorization: Bearer $LLAMA_CLOUD_API_KEY"' in r.out and API_KEY not in r.out
    assert "llama_cloud" not in r.out
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed: the printed command is not run")
    out = subprocess.run(
        ["bash", "-c", r.out],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LLAMA_CLOUD_API_KEY": "test-key"},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"] == job_id


def test_get_sdk_and_both(run, notable) -> None:
    job_id = notable["invoice_cited"]
    sdk = run("get", job_id, "--sdk")
    assert sdk.code == 0 and not sdk.out.startswith("curl")
    assert f"client.extract.get(\n    {job_id!r}," in sdk.out
    assert "os.environ['LLAMA_CLOUD_API_KEY']" in sdk.out
    both = run("get", job_id, "--curl", "--sdk")
    assert both.out.startswith("curl -sS ") and "from llama_cloud import LlamaCloud" in both.out


def test_get_curl_of_a_file_is_refused(run, tmp_path, seed_job) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(seed_job))
    r = run("get", str(path), "--curl")
    assert r.code != 0 and "give a job id" in r.err
