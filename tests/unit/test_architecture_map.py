"""docs/ARCHITECTURE.md maps each business rule to the file and function that
decides it: every place it names must exist, or the map has gone stale."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(
    r"^\|\s*(?P<rule>[^|]+?)\s*\|\s*`(?P<file>[\w/.]+\.py)`\s*\|\s*`(?P<name>[\w.]+)`\s*\|"
)


def rule_rows() -> list[tuple[str, str, str]]:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    return [
        (m["rule"], m["file"], m["name"]) for line in text.splitlines() if (m := ROW.match(line))
    ]


def defined_names(path: Path) -> set[str]:
    """Top-level functions and classes, and `Class.method` for their methods."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}.{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return names


def test_the_map_names_the_rules_the_issue_lists() -> None:
    rules = " ".join(rule for rule, _, _ in rule_rows()).lower()
    for rule in (
        "four eyes",
        "de minimis",
        "first come",
        "ranking",
        "reserve",
        "as of",
        "integrity chain",
        "optimistic concurrency",
        "exactly once",
        "outbox",
    ):
        assert rule in rules, f"docs/ARCHITECTURE.md has no row for {rule!r}"


def test_every_place_the_map_names_exists() -> None:
    rows = rule_rows()
    assert len(rows) >= 15
    stale = []
    for rule, file, name in rows:
        path = ROOT / file
        if not path.is_file():
            stale.append(f"{rule}: {file} does not exist")
        elif name not in defined_names(path):
            stale.append(f"{rule}: {file} defines no {name}")
    assert stale == []
