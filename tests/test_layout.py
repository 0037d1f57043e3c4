"""The layout rules of docs/DEVELOPING.md, checked on the package's source (issue 8).

Each test reports every offender, so a failure lists what to fix.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from geolage.run import schemas

PACKAGE = Path(__file__).resolve().parent.parent / "geolage"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(path: Path) -> set[str]:
    """Absolute names of the geolage modules a module imports (relative imports resolved)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts if parts[-1] == "__init__" else parts[:-1]
    package = [p for p in package if p != "__init__"]
    out = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("geolage"):
                out.add(name)
                out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("geolage"))
    return out


def test_no_module_is_loaded_by_name():
    offenders = [_rel(p) for p in MODULES if "import_module" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_no_table_name_outside_the_schemas():
    names = set(schemas.TABLES) | {schemas.KDE_PREFIX}
    offenders = []
    for path in MODULES:
        if path == PACKAGE / "run" / "schemas.py":
            continue
        tree = _tree(path)
        exempt = {  # __all__ (a function may be named like a table: geolage.coverage) and column-name lists
            id(c)
            for n in tree.body
            if isinstance(n, ast.Assign | ast.AnnAssign)
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name) and (t.id in ("__all__", "COLUMN_LABELS") or t.id.endswith("_COLUMNS"))
            for c in ast.walk(n.value)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                if id(node) not in exempt:
                    offenders.append(f"{_rel(path)}:{node.lineno}: {node.value!r}")
    assert offenders == []


def test_no_module_over_800_lines():
    long = {_rel(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_over_100_lines():
    long = []
    for path in MODULES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{_rel(path)}:{node.lineno} {node.name} ({n} lines)")
    assert long == []


def test_complexity_limit_is_in_the_ruff_settings():
    settings = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert "C90" in settings["select"]
    assert settings["mccabe"]["max-complexity"] <= 25


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("stats", ("geolage.run", "geolage.outputs", "geolage.text", "geolage.cli", "geolage.config")),
        ("text", ("geolage.run", "geolage.outputs", "geolage.cli")),
        ("run", ("geolage.outputs", "geolage.cli")),
        ("outputs", ("geolage.cli",)),
    ],
)
def test_imports_point_forward(layer, forbidden):
    offenders = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if name.startswith(forbidden):
                offenders.append(f"{_rel(path)} imports {name}")
    assert offenders == []


def test_vocabulary_and_inputs_import_no_later_layer():
    early = ["errors.py", "config.py", "categories.py", "periods.py", "classes.py", "io.py", "validate.py",
             "grid.py", "neighbours.py"]
    offenders = []
    for name in early:
        for imp in _imports(PACKAGE / name):
            if imp.startswith(("geolage.stats", "geolage.run", "geolage.outputs", "geolage.cli")):
                offenders.append(f"{name} imports {imp}")
    assert offenders == []


def test_analyses_take_no_language():
    offenders = []
    for path in sorted((PACKAGE / "stats").rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                args = [a.arg for a in (*node.args.args, *node.args.kwonlyargs)]
                if "language" in args:
                    offenders.append(f"{_rel(path)}:{node.lineno} {node.name}")
    assert offenders == []


def test_developing_md_lists_the_schemas():
    doc = (PACKAGE.parent / "docs" / "DEVELOPING.md").read_text(encoding="utf-8")
    assert schemas.registry_markdown() in doc
