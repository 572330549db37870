"""The layers stay honest: api, core and sim never load Textual; sim never uses the client;
core never needs httpx (offline, opening job files, nothing loads the HTTP client)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules(package: str) -> list[str]:
    """Every module of a package, its subpackages' included."""
    return sorted(
        p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        for p in (ROOT / package.replace(".", "/")).rglob("*.py")
    )


@pytest.mark.parametrize("package", ["explorer.api", "explorer.core", "explorer.sim"])
def test_package_imports_without_textual(package: str) -> None:
    modules = _modules(package)
    assert len(modules) > 5
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name.removesuffix('.__init__'))\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "", f"{package} loaded {out.stdout.strip()}"


def test_sim_is_written_independently_of_the_client() -> None:
    imports = re.compile(r"^\s*(from\s+(explorer\.api|\.\.api)|import\s+explorer\.api)", re.M)
    for path in (ROOT / "explorer/sim").rglob("*.py"):
        assert not imports.search(path.read_text()), path


# Runs in a fresh interpreter where any attempt to import httpx is recorded and refused.
_OFFLINE = """
import asyncio, importlib, sys

tried = []

class NoHttpx:
    def find_spec(self, name, path=None, target=None):
        if name == "httpx" or name.startswith("httpx."):
            tried.append(name)
            raise ImportError("httpx is blocked: " + name)
        return None

sys.meta_path.insert(0, NoHttpx())
for name in MODULES:
    importlib.import_module(name.removesuffix(".__init__"))

from explorer.core.analysis import analyze
from explorer.core.export import export_csv
from explorer.core.files import load_paths
from explorer.core.source import FileJobSource

source = FileJobSource(load_paths([JOB_FILE]))
assert not source.problems, source.problems

async def browse():
    [project] = await source.projects()
    page = await source.page(project.id, None, 50)
    job = await source.job(page.items[0].id)
    try:
        await source.job("ext-not-in-the-files")
    except Exception as exc:  # NotFoundError, from explorer.api.errors
        assert "not in the files" in str(exc)
    return job

job = asyncio.run(browse()).to_json_dict()
assert analyze(job).rows and export_csv(job)
print(job["id"])
# (explorer.api puts None at httpx._main: a stub that keeps httpx's CLI from loading, not httpx)
loaded = {m for m, mod in sys.modules.items() if m.split(".")[0] == "httpx" and mod is not None}
print(",".join(sorted(set(tried) | loaded)))
"""


def test_core_and_opening_job_files_never_import_httpx() -> None:
    job_file = ROOT / "tests/fixtures/seed-example-job.json"
    code = f"MODULES = {_modules('explorer.core')!r}\nJOB_FILE = {str(job_file)!r}\n" + _OFFLINE
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode == 0, out.stderr[-3000:]
    job_id, httpx = out.stdout.splitlines()
    assert job_id == "ext-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"  # the file was really opened
    assert httpx == "", f"explorer.core loaded or tried to load {httpx}"


def test_the_httpx_blocker_catches_an_import() -> None:
    # the same harness must fail when httpx is reached (else the test above proves nothing)
    code = "MODULES = ['explorer.api.client']\nJOB_FILE = ''\n" + _OFFLINE
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert out.returncode != 0 and "httpx is blocked" in out.stderr
