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
from ttminis_cli.lint.diagnostic import Diagnostic, Edit, Fix
from ttminis_cli.lint.records import Suppression

if TYPE_CHECKING:
    from ttminis_cli.lint.model import FileModel

MARKER = b"ttminis-"
_MARKER = re.compile(re.escape(MARKER))
_COMMENT = re.compile(r"ttminis-(disable-next-line|disable-line|disable-file|disable|enable)\b([^\n]*)")
_CODE = re.compile(r"TTM[0-9]*", re.IGNORECASE)
_KIND = {"disable-next-line": "next-line", "disable-line": "line", "disable-file": "file",
         "disable": "disable", "enable": "enable"}


def read(model: FileModel, *, fixable: bool = True) -> tuple[Suppression, ...]:
    """Every suppression comment of a parsed file, in order; `fixable`: with what TTM001's fix needs."""
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
        codes = _codes(match.group(2))
        removal = codes_span = None
        if fixable:
            removal = model.edit(*_removal(model.source, node.start_byte, node.end_byte), "")[:4]
            listed = _code_list(text, match.start(2), len(codes))
            if listed is not None:
                first, last = (node.start_byte + len(text[:i].encode()) for i in listed)
                codes_span = model.edit(first, last, "")[:4]
        out.append(Suppression(_KIND[match.group(1)], codes, model.span(node), removal, codes_span))
    return tuple(sorted(out, key=lambda s: s.span))


def _removal(source: bytes, start: int, end: int) -> tuple[int, int]:
    """The bytes to delete with a comment: its whole line when nothing else is on it, else the comment
    and the blanks that separate it from the code."""
    line_start = source.rfind(b"\n", 0, start) + 1
    line_end = source.find(b"\n", end)
    line_end = len(source) if line_end < 0 else line_end
    before, after = source[line_start:start], source[end:line_end]
    if not before.strip() and not after.strip():
        if line_end < len(source):
            return line_start, line_end + 1
        return (line_start - 1 if line_start > 0 else 0), line_end  # the last line: its newline goes
    if not after.strip():
        return start - (len(before) - len(before.rstrip())), end
    return start, end + (len(after) - len(after.lstrip(b" \t")))


def _code_list(text: str, rest: int, count: int) -> tuple[int, int] | None:
    """(start, end) of the codes in a comment's text, which `_codes` read from `text[rest:]`."""
    if not count:
        return None
    found = [m for m in re.finditer(r"[^\s,]+", text[rest:].replace("*/", "  "))][:count]
    return rest + found[0].start(), rest + found[-1].end()


def unused_fix(comment: Suppression, unused: tuple[str, ...]) -> Fix | None:
    """TTM001's fix: delete the comment, or only the codes it does not use."""
    if comment.removal is None:
        return None
    if not unused or set(unused) >= set(comment.codes):
        return Fix("Remove the unused suppression comment", True, (Edit(*comment.removal, ""),))
    if comment.codes_span is None:
        return None
    kept = [c for c in comment.codes if c not in unused]
    return Fix(f"Remove {', '.join(unused)} from the suppression comment", True,
               (Edit(*comment.codes_span, ", ".join(kept)),))


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
