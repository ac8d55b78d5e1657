"""The layout of docs/architecture.md is the layout on disk, and imports flow one way: a
package imports only the packages its row names, never one that uses it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `([a-z_]+)/` \| .+ \| (.+) \|$", re.MULTILINE)
PACKAGES = {name: allowed for name, allowed in ROW.findall(ARCHITECTURE)}
ORDER = list(PACKAGES)


def allowed_imports(package: str) -> set[str]:
    rule = PACKAGES[package]
    if rule.startswith("everything"):
        return set(ORDER) if rule == "everything" else set(ORDER[:ORDER.index(package) + 1])
    return {package, *re.findall(r"`([a-z_]+)`", rule)}


def our_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


def test_every_python_package_on_disk_has_its_row_and_every_row_its_folder() -> None:
    on_disk = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert on_disk == set(PACKAGES)


def test_imports_flow_one_way() -> None:
    wrong = [f"{path.relative_to(ROOT)} imports {name}"
             for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
             for name in sorted(our_imports(path) - allowed_imports(package))]
    assert wrong == []


def test_the_rule_can_fail() -> None:
    assert "jobs" not in allowed_imports("domain") and "local" not in allowed_imports("ops")
