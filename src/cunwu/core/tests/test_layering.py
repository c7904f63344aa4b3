"""The dependencies between apps that DESIGN.md draws, checked on every module and template.

core ← accounts ← registry ← points ← store; registry ← assets, monitoring; village builds on
points, assets and monitoring; disclosure imports
only core and accounts (the other modules publish through it); web and api sit on top and may
use every app.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2]
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "accounts": {"core"},
    "registry": {"core", "accounts"},
    "disclosure": {"core", "accounts"},
    "points": {"core", "accounts", "registry", "disclosure"},
    "store": {"core", "accounts", "registry", "disclosure", "points"},
    "assets": {"core", "accounts", "registry", "disclosure"},
    "monitoring": {"core", "accounts", "registry", "disclosure"},
    # village life posts point events, links workshops to the 三资 register and counts their
    # jobs as employment measures of monitored households
    "village": {"core", "accounts", "registry", "disclosure", "points", "assets", "monitoring"},
}
_INCLUDE = re.compile(r"""{%\s*(?:include|extends)\s+["']([a-z_]+)/""")


def _modules(app: str) -> list[Path]:
    return [
        p
        for p in (SRC / app).rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts
    ]


def _imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "cunwu" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_apps_import_only_what_the_design_allows(app: str) -> None:
    wrong = {}
    for path in _modules(app):
        # an app's routers use the API's shared schemas (cunwu.api.schemas)
        allowed = (
            ALLOWED[app] | {app, "settings"} | ({"api"} if path.stem.startswith("api") else set())
        )
        if used := _imported_apps(path) - allowed:
            wrong[str(path.relative_to(SRC))] = sorted(used)
    assert wrong == {}


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_templates_use_only_their_own_the_sites_and_allowed_apps_templates(app: str) -> None:
    allowed = ALLOWED[app] | {app, "web"}
    wrong = {}
    for path in (SRC / app / "templates").rglob("*.html"):
        used = set(_INCLUDE.findall(path.read_text(encoding="utf-8"))) - allowed
        if used:
            wrong[str(path.relative_to(SRC))] = sorted(used)
    assert wrong == {}
