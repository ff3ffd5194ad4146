"""The records the lint pipeline passes along, stage to stage, in one leaf module (it imports nothing
of the pipeline): a file's context and task (plan -> analyze), its result (analyze -> finish, the
cache, worker processes) and the facts in it that cross-file rules combine.

Named tuples, not dataclasses: a warm run of a big project makes, keys (by repr), unpickles and
compares thousands of these, and named tuples are cheaper to build, print and unpickle. They hold
strings, numbers and spans only, so a warm run unpickles them without loading tree-sitter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from ttminis_cli.lint.diagnostic import FIELDS, Diagnostic, Fix, diagnostic_of, new_edit, new_fix
from ttminis_cli.lint.selection import Skipped

Span = tuple[int, int, int, int]  # 1-based line, column, end line, end column


class FileContext(NamedTuple):
    path: str
    abs_path: str
    domain: str
    project_root: str
    has_open_data: bool
    domain_rules: bool
    html_runtime: bool
    extra_apis: tuple[str, ...]


class FileTask(NamedTuple):
    ctx: FileContext
    language: str  # js | ts | tsx | html
    # Leave it unanalysed if its content is minified or generated (DESIGN §3a): a file a folder walk
    # found, not one named on the command line (unless --force-exclude), never with --include-vendored.
    sniff: bool = False
    # The run lints TypeScript sources: JavaScript that its content shows compiled from TypeScript (tsc's
    # helpers, a Laya release build) is left out as their copy — where there are no sources, it is linted.
    ts_run: bool = False


class FileResult(NamedTuple):
    path: str
    diagnostics: tuple[Diagnostic, ...]
    facts: object
    content: str = ""  # what the default selection makes of the bytes: selection.MINIFIED, GENERATED or ""
    skipped: bool = False  # left unanalysed for that (the task's sniff)

    def __reduce__(self):
        # A bundle's result holds tens of thousands of findings, pickled into the cache and out of worker
        # processes: as one list per field, which pickle writes in C without a memo entry per finding
        # (numbers, and strings most findings share), rather than a state dict per Diagnostic and a
        # Python call per Fix and Edit — and read back as fast.
        return _file_result, (self.path, _columns(self.diagnostics), *self[2:])


def _columns(diagnostics: tuple[Diagnostic, ...]) -> list:
    columns = list(zip(*diagnostics)) or [()] * len(FIELDS)  # a Diagnostic is a tuple of its fields
    # The fixes as columns too, not a tuple per Fix and Edit (a named tuple pickles through a
    # Python-level method each): per finding its number of edits (-1: no fix), per fix its title,
    # safety and isolation, per edit its five fields.
    fix_column = columns[-1]
    fixes = [fix for fix in fix_column if fix is not None]
    edits = [edit for fix in fixes for edit in fix[2]]
    columns[-1] = ([-1 if fix is None else len(fix[2]) for fix in fix_column], [fix[0] for fix in fixes],
                   [fix[1] for fix in fixes], [fix[3] for fix in fixes], *(list(zip(*edits)) or [()] * 5))
    return columns


def _file_result(path: str, columns: list, *rest) -> FileResult:
    *fields, (counts, titles, safes, isolated, *edit_columns) = columns
    edits = map(new_edit, zip(*edit_columns))
    parts = zip(titles, safes, isolated)
    fixes = [None if n < 0 else _fix(next(parts), tuple(islice(edits, n))) for n in counts]
    return FileResult(path, tuple(map(diagnostic_of, zip(*fields, fixes))), *rest)


def _fix(parts: tuple[str, bool, bool], edits: tuple) -> Fix:
    title, safe, isolated = parts
    return new_fix(title, safe, edits, isolated)


@dataclass
class LintPlan:
    tasks: list[FileTask] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # by name or path; by content: FileResult.skipped
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- facts


class Import(NamedTuple):
    spec: str
    target: str  # absolute posix path the specifier points at (extension may be missing)
    span: Span


class KeyRead(NamedTuple):
    key: str
    api: str
    span: Span


class PostedMessage(NamedTuple):
    """One `postMessage({...})` with an object literal: its string-valued keys."""

    fields: tuple[tuple[str, str | None, Span], ...]  # (key, literal value or None, span of the value)
    span: Span


class Handler(NamedTuple):
    """One onMessage handler: the message fields it dispatches on and the literal values it compares."""

    understood: bool
    fields: tuple[tuple[str, tuple[str, ...], bool, Span], ...] = ()  # (field, values, dynamic, first read)
    condition: tuple[str, str] | None = None  # registered through an imported wrapper: (module, export)


class Suppression(NamedTuple):
    kind: str  # next-line | line | disable | enable | file
    codes: tuple[str, ...]  # empty: every code
    span: Span
    # For TTM001's fix: what to delete to remove the comment (its line too when it stands alone), and
    # where its list of codes is. None where no fix is offered (a comment in a page's inline script).
    removal: Span | None = None
    codes_span: Span | None = None


class Facts(NamedTuple):
    path: str
    abs_path: str
    project_root: str
    domain: str
    domain_rules: bool
    imports: tuple[Import, ...] = ()
    keys_written: tuple[str, ...] = ()
    writes_unknown: bool = False  # some write's keys cannot be read statically
    key_reads: tuple[KeyRead, ...] = ()
    posts: tuple[PostedMessage, ...] = ()
    handlers: tuple[Handler, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    line_count: int = 0
    mentions_on_message: bool = False  # a handler may be registered in a way not recognised
    platform_exports: tuple[str, ...] = ()  # names this module exports the platform object as
    # Members the file adds to or declares on the platform object (`wx.aldSendEvent = …`, a `.d.ts`
    # `declare namespace wx { function aldSendEvent… }`): known in the whole project (TTM201).
    declared_members: tuple[str, ...] = ()
    unknown_members: tuple[tuple[str, Span, str], ...] = ()  # TTM201 candidates: (name, span, message)
    # Findings on calls through a binding imported from (module path, export name): they stand
    # only if that module exports the platform under that name.
    conditional: tuple[tuple[str, str, tuple[Diagnostic, ...]], ...] = ()
