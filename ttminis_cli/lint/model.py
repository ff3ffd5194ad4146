"""What a per-file rule sees: the file's context, source, tree and recognised platform uses; and the
one way rules report a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ttminis_cli.lint.diagnostic import Diagnostic, RuleInfo

if TYPE_CHECKING:  # nothing here needs tree-sitter loaded: `make` serves warm runs too
    from tree_sitter import Node, Tree

    from ttminis_cli.lint.calls import Uses
    from ttminis_cli.lint.engine import FileContext

Span = tuple[int, int, int, int]  # 1-based line, column, end line, end column


def span_of(source: bytes, node: Node) -> Span:
    """1-based line/column of a node, columns counted in characters (not bytes)."""
    return (*_point(source, node.start_byte, node.start_point), *_point(source, node.end_byte, node.end_point))


def _point(source: bytes, byte: int, point) -> tuple[int, int]:
    row, col_bytes = point
    start = byte - col_bytes
    if col_bytes == 0:
        return row + 1, 1
    return row + 1, len(source[start:byte].decode("utf-8", "replace")) + 1


@dataclass
class FileModel:
    ctx: "FileContext"
    language: str
    source: bytes
    tree: Tree | None
    uses: Uses
    scan: dict[str, list[Node]] = field(default_factory=dict)  # captures of analysis.SCAN
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Findings that stand only if no file of the project declares the member: (name, span, message).
    deferred: list[tuple[str, Span, str]] = field(default_factory=list)

    @property
    def root(self) -> Node | None:
        return self.tree.root_node if self.tree is not None else None

    @property
    def open_data(self) -> bool:
        return self.ctx.domain == "open-data"

    def span(self, node: Node) -> Span:
        return span_of(self.source, node)

    def report(self, rule: RuleInfo, at: Node | Span, message: str) -> None:
        span = at if isinstance(at, tuple) else self.span(at)
        self.diagnostics.append(make(rule, self.ctx.path, span, message))


def make(rule: RuleInfo, path: str, span: Span, message: str) -> Diagnostic:
    line, column, end_line, end_column = span
    return Diagnostic(path=path, line=line, column=column, code=rule.code, message=message,
                      severity=rule.severity, end_line=end_line, end_column=end_column, name=rule.name)
