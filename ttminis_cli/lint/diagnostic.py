"""The records rules produce and reporters format."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from operator import itemgetter
from typing import NamedTuple, Sequence


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class RuleInfo:
    """One rule's identity and documentation; `explain`, `rules`, SARIF and the doc tests read it."""

    code: str
    name: str
    severity: Severity
    summary: str  # one line: what it finds
    why: str = ""  # rationale (platform fact behind it)
    bad: str = ""  # example source that yields exactly this code
    good: str = ""  # the fixed example: yields nothing
    fix: str = ""  # how to fix
    bad_path: str = "game.js"  # where the examples live (domain matters: "openDataContext/index.js")
    html_only: bool = False
    # Off unless selected by its code or family (`--select TTM207`, `TTM2`): a rule that real games
    # showed to be wrong too often to be on for everyone.
    opt_in: bool = False
    opt_in_why: str = ""
    # What `--fix` can do about it (DESIGN §10): "" (no fix), "safe", "unsafe" or "safe or unsafe" (by
    # the shape of the code); `fix_safety` says when, which and why, for `explain` and the README.
    fixable: str = ""
    fix_safety: str = ""


class Edit(NamedTuple):
    """Replace the text from (line, column) up to (end_line, end_column) — 1-based, columns in
    characters like a Diagnostic's, the end exclusive — with `text`. An insertion is an empty range."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str


class Fix(NamedTuple):
    """A rule's offer to change the code (ruff's model): applied whole or not at all. Safe fixes keep
    what the code does on TikTok as its author meant, and on any other platform it runs on; `--fix`
    applies them, `--unsafe-fixes` the others too."""

    title: str
    safe: bool
    edits: tuple[Edit, ...]
    # It declares a new name: at most one such fix per file and pass, so that two never pick the same.
    isolated: bool = False


def new_edit(values: tuple) -> Edit:
    """Edit(*values), all five given, without the named tuple's Python-level __new__."""
    return _new_tuple(Edit, values)


def new_fix(title: str, safe: bool, edits: tuple[Edit, ...], isolated: bool = False) -> Fix:
    """Fix(…) likewise: rules that make one per finding of a bundle call this."""
    return _new_tuple(Fix, (title, safe, edits, isolated))


_new_tuple = tuple.__new__


class Diagnostic(NamedTuple):
    """One finding. Lines and columns are 1-based; end is exclusive of nothing (points at last char + 1).

    Equal, hashed and ordered by its place and code alone (ORDER): one finding however it is worded.
    A named tuple: a bundle has sixty thousand, built, sorted, pickled into the cache and reported
    (its fields are items, read in C; a dataclass's are a dict each)."""

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = Severity.ERROR
    end_line: int = 0
    end_column: int = 0
    name: str = ""
    fix: Fix | None = None

    def __eq__(self, other: object) -> bool:
        return ORDER(self) == ORDER(other) if isinstance(other, Diagnostic) else NotImplemented

    def __ne__(self, other: object) -> bool:
        return ORDER(self) != ORDER(other) if isinstance(other, Diagnostic) else NotImplemented

    def __hash__(self) -> int:
        return hash(ORDER(self))

    def __lt__(self, other: Diagnostic) -> bool:
        return ORDER(self) < ORDER(other)

    def __le__(self, other: Diagnostic) -> bool:
        return ORDER(self) <= ORDER(other)

    def __gt__(self, other: Diagnostic) -> bool:
        return ORDER(self) > ORDER(other)

    def __ge__(self, other: Diagnostic) -> bool:
        return ORDER(self) >= ORDER(other)

    def to_json(self) -> dict:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line or self.line, "end_column": self.end_column or self.column,
            "code": self.code, "name": self.name, "severity": self.severity.value,
            "message": self.message,
        }


# Diagnostic's compared fields, in order: sorting by this key is sorting by `<`, without a Python-level
# comparison per pair (thousands in a big project's findings).
ORDER = itemgetter(slice(0, 4))  # path, line, column, code


def unique_sorted(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The findings in ORDER, the first of each set of equal ones kept (equal: the same ORDER key).
    `sorted(dict.fromkeys(…), key=ORDER)` without Diagnostic's hash, which is Python code: a bundle's
    sixty thousand findings are keyed and compared as plain tuples instead."""
    first = dict(zip(map(ORDER, reversed(diagnostics)), reversed(diagnostics)))  # the last write wins
    return [first[key] for key in sorted(first)]
FIELDS = Diagnostic._fields


def diagnostic_of(values: tuple) -> Diagnostic:
    """Diagnostic(*values), all ten given, without the named tuple's Python-level __new__: paid once
    per finding, and a bundle has sixty thousand."""
    return _new_tuple(Diagnostic, values)
