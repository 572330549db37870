"""The simulator stands alone: no textual, no explorer.api."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import explorer.sim

SIM_DIR = Path(explorer.sim.__file__).parent


def test_import_does_not_load_textual_or_the_api_layer() -> None:
    code = (
        "import sys, explorer.sim\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', "
        "'explorer.api', 'explorer.tui', 'explorer.core'))]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_no_module_imports_textual_or_the_api_layer() -> None:
    for path in SIM_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                assert not name.startswith("textual"), f"{path.name} imports {name}"
                assert "api" not in name.split("."), f"{path.name} imports {name}"
