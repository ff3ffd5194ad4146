"""The records rules produce and reporters format."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
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


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding. Lines and columns are 1-based; end is exclusive of nothing (points at last char + 1)."""

    path: str
    line: int
    column: int
    code: str
    message: str = field(compare=False)
    severity: Severity = field(compare=False, default=Severity.ERROR)
    end_line: int = field(compare=False, default=0)
    end_column: int = field(compare=False, default=0)
    name: str = field(compare=False, default="")
    fix: Fix | None = field(compare=False, default=None)

    def to_json(self) -> dict:
        return {
            "path": self.path, "line": self.line, "column": self.column,
            "end_line": self.end_line or self.line, "end_column": self.end_column or self.column,
            "code": self.code, "name": self.name, "severity": self.severity.value,
            "message": self.message,
        }


# Diagnostic's compared fields, in order: sorting by this key is sorting by `<`, without a Python-level
# comparison per pair (thousands in a big project's findings).
ORDER = attrgetter("path", "line", "column", "code")


def unique_sorted(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """The findings in ORDER, the first of each set of equal ones kept (equal: the same ORDER key).
    `sorted(dict.fromkeys(…), key=ORDER)` without Diagnostic's hash, which is Python code: a bundle's
    sixty thousand findings are keyed and compared as plain tuples instead."""
    first = dict(zip(map(ORDER, reversed(diagnostics)), reversed(diagnostics)))  # the last write wins
    return [first[key] for key in sorted(first)]
FIELDS = tuple(f.name for f in fields(Diagnostic))


def diagnostic_of(values: tuple) -> Diagnostic:
    """Diagnostic(*values) at a third of the cost: the fields go straight into the instance's dict, in
    order (what __init__ would leave there, and pickle writes), where the frozen dataclass's __init__
    sets each through object.__setattr__ — paid once per finding, and a bundle has sixty thousand."""
    diagnostic = _new(Diagnostic)
    diagnostic.__dict__.update(zip(FIELDS, values))
    return diagnostic


_new = object.__new__
