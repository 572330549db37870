"""The layers stay honest: api, core and sim never load Textual; sim never uses the client."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["explorer.api", "explorer.core", "explorer.sim"])
def test_package_imports_without_textual(package: str) -> None:
    modules = sorted(
        p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
        for p in (ROOT / package.replace(".", "/")).glob("*.py")
    )
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
