"""README's module map is true: every package module has a row, and imports (lazy ones included) only the
package modules its row allows."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(p.stem for p in (ROOT / "fastmath_r1").glob("*.py") if p.stem != "__init__")


def module_map() -> dict[str, set[str] | None]:
    """Module -> the package modules it may import (None: any), from README's table."""
    section = ROOT.joinpath("README.md").read_text().split("### Module map", 1)[1].split("\n#", 1)[0]
    allowed = {}
    for line in section.splitlines():
        row = re.fullmatch(r"\| `(\w+)\.py` \| .* \| ([^|]+) \|", line.strip())
        if row:
            cell = row[2].strip()
            allowed[row[1]] = None if cell == "any" else ({m.strip() for m in cell.split(",")} - {"-"})
    return allowed


def package_imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / "fastmath_r1" / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "fastmath_r1":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fastmath_r1."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("fastmath_r1.")}
    return found - {module}


def test_every_module_has_a_row():
    assert sorted(module_map()) == MODULES


@pytest.mark.parametrize("module", MODULES)
def test_imports_follow_the_map(module):
    allowed = module_map()[module]
    if allowed is not None:
        assert package_imports(module) <= allowed, f"{module}.py imports {sorted(package_imports(module) - allowed)}"
