"""The lint package reads as the pipeline it is — parse → scan → calls → guards → facts → rules →
analysis → plan / run / finish → report — and no module imports a later stage: no import circles,
even through imports done inside functions or for type checking only."""

from __future__ import annotations

import ast
from pathlib import Path

LINT = Path(__file__).resolve().parent.parent / "ttminis_cli" / "lint"


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in LINT.rglob("*.py"):
        name = ".".join(path.relative_to(LINT).with_suffix("").parts).removesuffix("__init__").rstrip(".")
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ttminis_cli.lint"):
                base = node.module.removeprefix("ttminis_cli.lint").lstrip(".")
                for alias in node.names:
                    candidate = f"{base}.{alias.name}".lstrip(".")
                    if (LINT / (candidate.replace(".", "/") + ".py")).exists():
                        deps.add(candidate)
                    elif base:
                        deps.add(base)
        graph[name] = deps - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as a path of module names, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep]
            if dep in graph and dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_the_lint_package_has_no_import_circles():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()))


def test_the_records_module_is_a_leaf():
    assert _graph()["records"] <= {"diagnostic", "selection"}


def test_the_check_finds_a_circle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
