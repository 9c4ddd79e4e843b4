"""Every table is declared in one metadata module: the chassis' and each service's
`tables.py` are the only places that build a SQLAlchemy `Table` or `MetaData`."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DECLARING = {
    "shared/tables.py",
    *(f"services/{name}/tables.py" for name in ("calls", "applications", "payments", "reporting")),
}
BUILDERS = {"Table", "MetaData"}


def _builds(source: str) -> list[int]:
    """Lines that call SQLAlchemy's Table or MetaData (by any imported name)."""
    tree = ast.parse(source)
    names: set[str] = set()  # Table and MetaData as imported from sqlalchemy
    modules: set[str] = set()  # names bound to sqlalchemy modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names |= {a.asname or a.name for a in node.names if a.name in BUILDERS}
        elif isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name.startswith("sqlalchemy")}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in names
            or (
                isinstance(func, ast.Attribute)
                and func.attr in BUILDERS
                and isinstance(func.value, ast.Name)
                and func.value.id in modules
            )
        ):
            lines.append(node.lineno)
    return lines


def _python_files() -> list[str]:
    roots = ("shared", "services", "cascade", "tests", "bench", "deploy")
    return sorted(
        str(path.relative_to(REPO)) for root in roots for path in (REPO / root).rglob("*.py")
    )


def test_only_the_metadata_modules_build_tables() -> None:
    elsewhere = {
        path: lines
        for path in _python_files()
        if path not in DECLARING and (lines := _builds((REPO / path).read_text()))
    }
    assert elsewhere == {}


def test_each_metadata_module_has_one_metadata() -> None:
    for path in sorted(DECLARING):
        source = (REPO / path).read_text()
        assert source.count("MetaData()") == 1, path
        assert _builds(source), path


def test_the_check_sees_tables_built_under_any_name() -> None:
    assert _builds("from sqlalchemy import Table as T\nt = T('x', m)\n") == [2]
    assert _builds("import sqlalchemy as sa\nm = sa.MetaData()\n") == [2]
    assert _builds("from sqlalchemy.sql.schema import MetaData\nm = MetaData()\n") == [2]
    assert _builds("from rich.table import Table\nt = Table(title='x')\n") == []
