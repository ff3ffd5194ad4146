"""The records rules produce and reporters format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from operator import attrgetter


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
