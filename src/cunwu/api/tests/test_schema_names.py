"""Every schema of the API has a name of its own. The OpenAPI document keys its components by
class name, so two routers' ``AgingOut`` would silently describe one operation with the other's
shape (schemathesis found exactly that between the contracts' and the reports' aging)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
BASES = {"Schema", "PageParams", "Page"}


def _schema_classes(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef):
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if bases & BASES or any(name.endswith("Out") or name.endswith("In") for name in bases):
                names.append(node.name)
    return names


def test_api_schema_class_names_are_unique_across_routers() -> None:
    where: dict[str, set[str]] = defaultdict(set)
    modules = [p for p in SRC.rglob("api*.py") if "tests" not in p.parts]
    modules += [p for p in (SRC / "api").glob("*.py") if p.name != "__init__.py"]
    for path in set(modules):
        for name in _schema_classes(path):
            where[name].add(str(path.relative_to(SRC)))
    assert len(modules) > 10
    assert {name: sorted(files) for name, files in where.items() if len(files) > 1} == {}
