"""Suppression comments (DESIGN §4): reading them from a file, and applying them to its findings.

    // ttminis-disable-next-line TTM101, TTM206
    // ttminis-disable-line TTM101
    /* ttminis-disable TTM101 */ … /* ttminis-enable TTM101 */
    // ttminis-disable-file TTM207

No codes means every code. A comment that suppresses nothing is itself a finding (TTM001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import Diagnostic
from ttminis_cli.lint.records import Suppression

if TYPE_CHECKING:
    from ttminis_cli.lint.model import FileModel

MARKER = b"ttminis-"
_MARKER = re.compile(re.escape(MARKER))
_COMMENT = re.compile(r"ttminis-(disable-next-line|disable-line|disable-file|disable|enable)\b([^\n]*)")
_CODE = re.compile(r"TTM[0-9]*", re.IGNORECASE)
_KIND = {"disable-next-line": "next-line", "disable-line": "line", "disable-file": "file",
         "disable": "disable", "enable": "enable"}


def read(model: FileModel) -> tuple[Suppression, ...]:
    """Every suppression comment of a parsed file, in order."""
    if MARKER not in model.source or model.root is None:
        return ()
    out = []
    seen = set()
    for at in _MARKER.finditer(model.source):
        node = model.root.descendant_for_byte_range(at.start(), at.end())
        if node is None or node.type != "comment" or node.start_byte in seen:
            continue
        seen.add(node.start_byte)
        text = P.text(node)
        match = _COMMENT.search(text)
        if match is None:
            continue
        out.append(Suppression(_KIND[match.group(1)], _codes(match.group(2)), model.span(node)))
    return tuple(sorted(out, key=lambda s: s.span))


def _codes(rest: str) -> tuple[str, ...]:
    rest = rest.replace("*/", " ")
    codes = []
    for token in re.split(r"[\s,]+", rest.strip()):
        if not token:
            continue
        if not _CODE.fullmatch(token):
            break  # the reason after the codes: `-- why`
        codes.append(token.upper())
    return tuple(codes)


@dataclass
class _Region:
    suppression: Suppression
    first: int
    last: int
    used: set[str] = field(default_factory=set)
    used_any: bool = False

    def covers(self, diag: Diagnostic) -> bool:
        codes = self.suppression.codes
        if not (self.first <= diag.line <= self.last):
            return False
        return not codes or any(diag.code == c or diag.code.startswith(c) for c in codes)

    def mark(self, diag: Diagnostic) -> None:
        self.used_any = True
        for c in self.suppression.codes:
            if diag.code == c or diag.code.startswith(c):
                self.used.add(c)


def apply(diagnostics: list[Diagnostic], suppressions: tuple[Suppression, ...], line_count: int
          ) -> tuple[list[Diagnostic], list[tuple[Suppression, tuple[str, ...]]]]:
    """(findings that remain, [(suppression, unused codes)]) — `()` unused codes means the whole comment."""
    regions = _regions(suppressions, max(line_count, max((d.line for d in diagnostics), default=0)))
    kept = []
    for diag in diagnostics:
        hit = [r for r in regions if r.covers(diag)]
        for region in hit:
            region.mark(diag)
        if not hit:
            kept.append(diag)
    unused = []
    for region in regions:
        codes = region.suppression.codes
        if not region.used_any:
            unused.append((region.suppression, codes))
        elif codes and len(region.used) < len(codes):
            unused.append((region.suppression, tuple(c for c in codes if c not in region.used)))
    return kept, unused


def _regions(suppressions: tuple[Suppression, ...], last_line: int) -> list[_Region]:
    regions: list[_Region] = []
    open_blocks: list[_Region] = []
    for s in suppressions:
        line, end_line = s.span[0], s.span[2]
        if s.kind == "next-line":
            regions.append(_Region(s, end_line + 1, end_line + 1))
        elif s.kind == "line":
            regions.append(_Region(s, line, end_line))
        elif s.kind == "file":
            regions.append(_Region(s, 1, last_line))
        elif s.kind == "disable":
            region = _Region(s, line, last_line)
            regions.append(region)
            open_blocks.append(region)
        else:  # enable closes the blocks it names (all of them when it names none)
            for region in list(open_blocks):
                if not s.codes or set(region.suppression.codes) & set(s.codes) or not region.suppression.codes:
                    region.last = line
                    open_blocks.remove(region)
    return regions
