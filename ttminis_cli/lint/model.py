"""What a per-file rule sees: the file's context, source, tree and recognised platform uses; and the
one way rules report a finding."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import Diagnostic, Edit, Fix, RuleInfo, diagnostic_of
from ttminis_cli.lint.records import FileContext, Span

if TYPE_CHECKING:  # nothing here needs tree-sitter loaded: `make` serves warm runs too
    from tree_sitter import Node, Tree

    from ttminis_cli.lint.calls import Uses


def span_of(source: bytes, node: Node, columns: Columns | None = None) -> Span:
    """1-based line/column of a node, columns counted in characters (not bytes)."""
    columns = columns or Columns(source)
    (row, col), (end_row, end_col) = node.start_point, node.end_point
    if columns.ascii:  # bytes are characters: what `of` would answer, without its two calls per finding
        return (row + 1, col + 1, end_row + 1, end_col + 1)
    return (row + 1, columns.of(node.start_byte, col), end_row + 1, columns.of(node.end_byte, end_col))


class Columns:
    """Byte offsets to 1-based character columns, in time independent of the line's length: a finding
    deep in a one-line multi-megabyte bundle must not decode the line up to it (thousands of times)."""

    _SHORT = 512  # decoding this many bytes is cheaper than anything cleverer

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.ascii = source.isascii()
        self._continuations: list[int] | None = None  # offsets of UTF-8 continuation bytes
        self._newlines: list[int] | None = None

    def of(self, byte: int, col_bytes: int) -> int:
        if self.ascii or col_bytes == 0:
            return col_bytes + 1
        start = byte - col_bytes
        if col_bytes <= self._SHORT:
            return len(self.source[start:byte].decode("utf-8", "replace")) + 1
        if self._continuations is None:
            import re

            self._continuations = [m.start() for m in re.finditer(rb"[\x80-\xbf]", self.source)]
        from bisect import bisect_left

        inside = bisect_left(self._continuations, byte) - bisect_left(self._continuations, start)
        return col_bytes - inside + 1

    def position(self, byte: int) -> tuple[int, int]:
        """The 1-based (line, character column) of a byte offset (a fix's edit has only the offset)."""
        from bisect import bisect_right

        if self._newlines is None:
            import re

            self._newlines = [m.start() for m in re.finditer(b"\n", self.source)]
        row = bisect_right(self._newlines, byte - 1)
        line_start = self._newlines[row - 1] + 1 if row else 0
        return row + 1, self.of(byte, byte - line_start)


@dataclass
class FileModel:
    ctx: FileContext
    language: str
    source: bytes
    tree: Tree | None
    uses: Uses
    scan: dict[str, list[Node]] = field(default_factory=dict)  # what lint.scan found
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Findings that stand only if no file of the project declares the member: (name, span, message).
    deferred: list[tuple[str, Span, str]] = field(default_factory=list)
    memo: dict = field(default_factory=dict)  # what rules work out once per file: guards, rewrite's quote
    # The options object whose pairs the rules read last, and its pairs: every rule of one call shares
    # them, and the next call's replace them (a bundle's tens of thousands of calls keep none).
    last_pairs: tuple = (None, [])

    @cached_property  # an attribute once read: span() asks for it per finding
    def columns(self) -> Columns:
        return Columns(self.source)

    def pairs(self, node: Node | None) -> list[tuple[str, Node, Node]]:
        """P.object_pairs of a node, read once however many rules look at the same options object."""
        if node is None:
            return []
        last, found = self.last_pairs
        if last is None or last != node:  # a node compares as the node it is, whichever object holds it
            found = P.object_pairs(node)
            self.last_pairs = (node, found)
        return found

    @property
    def root(self) -> Node | None:
        return self.tree.root_node if self.tree is not None else None

    @property
    def open_data(self) -> bool:
        return self.ctx.domain == "open-data"

    def span(self, node: Node) -> Span:
        if self.columns.ascii:  # span_of's common case, without its call: asked once per finding
            (row, col), (end_row, end_col) = node.start_point, node.end_point
            return (row + 1, col + 1, end_row + 1, end_col + 1)
        return span_of(self.source, node, self.columns)

    def report(self, rule: RuleInfo, at: Node | Span, message: str, fix: Fix | None = None) -> None:
        line, column, end_line, end_column = at if isinstance(at, tuple) else self.span(at)
        # One string object per distinct message: a bundle's thousands of findings mostly share theirs,
        # and the cache then pickles (and a warm run unpickles) each message once.
        message = self.memo.setdefault(("message", message), message)
        self.diagnostics.append(diagnostic_of((self.ctx.path, line, column, rule.code, message, rule.severity,
                                               end_line, end_column, rule.name, fix)))  # make(), inlined

    # ---------------------------------------------------------------- edits, for a finding's fix

    def replace(self, node: Node, text: str) -> Edit:
        """An edit that replaces a node's text."""
        return Edit(*self.span(node), text)

    def insert(self, byte: int, text: str) -> Edit:
        """An edit that inserts text at a byte offset."""
        line, column = self.position(byte)
        return Edit(line, column, line, column, text)

    def edit(self, start: int, end: int, text: str) -> Edit:
        """An edit that replaces the bytes from `start` up to `end`."""
        return Edit(*self.position(start), *self.position(end), text)

    def position(self, byte: int) -> tuple[int, int]:
        """The 1-based (line, character column) of a byte offset."""
        return self.columns.position(byte)


def make(rule: RuleInfo, path: str, span: Span, message: str, fix: Fix | None = None) -> Diagnostic:
    line, column, end_line, end_column = span
    return diagnostic_of((path, line, column, rule.code, message, rule.severity, end_line, end_column, rule.name, fix))
