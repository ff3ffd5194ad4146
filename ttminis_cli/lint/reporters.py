"""Output formats of `ttminis lint` (DESIGN §6): a Reporter base and one class per format, picked by name.

A reporter only formats: it receives the finished diagnostics and writes them to its stream. Rule
names, severities and docs come from the registry; nothing here restates them.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Iterator, Mapping, Sequence, TextIO
from urllib.parse import quote

from ttminis_cli.lint.diagnostic import ORDER, Diagnostic, RuleInfo, Severity

# A code frame shows at most this many characters of a line: a minified bundle is one 10 MB line.
FRAME_WIDTH = 120
FRAME_CONTEXT = 1  # lines shown before and after the finding
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/ttminis/"


@dataclass
class LintReport:
    """Everything one lint run found: what reporters format."""

    diagnostics: Sequence[Diagnostic]
    files_checked: int
    statistics: bool = False
    max_warnings: int | None = None
    fixed: tuple[int, int] | None = None  # with --fix: (findings fixed, files changed)
    unsafe_fixes: bool = False  # --unsafe-fixes was given: unsafe fixes count as fixable

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warning_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def failed(self) -> bool:
        return self.errors > 0 or (self.max_warnings is not None and self.warning_count > self.max_warnings)


def rule_markdown(rule: RuleInfo) -> str:
    """One rule's doc as markdown: the same text for `explain` and SARIF help."""
    fence = {".html": "html", ".ts": "ts", ".tsx": "tsx"}.get(Path(rule.bad_path).suffix, "js")
    parts = [f"**{rule.code} {rule.name}** ({rule.severity.value}): {rule.summary}"]
    if rule.html_only:
        parts.append("Applies to HTML-runtime games only.")
    if rule.opt_in:
        parts.append(f"Opt-in: off unless selected by its code or family (`--select TTM,{rule.code}`, or "
                     f"`select = [\"TTM\", \"{rule.code}\"]` in `[lint]`). {rule.opt_in_why}".rstrip())
    if rule.why:
        parts.append(f"## Why\n\n{rule.why}")
    # A cross-file example names its files itself (`// file: …` lines); a one-file one says where it lives.
    where = "" if rule.bad.startswith("// file:") else f" (`{rule.bad_path}`)"
    if rule.bad:
        parts.append(f"## Bad{where}\n\n```{fence}\n{rule.bad.rstrip()}\n```")
    if rule.good:
        parts.append(f"## Good{where}\n\n```{fence}\n{rule.good.rstrip()}\n```")
    if rule.fix:
        parts.append(f"## Fix\n\n{rule.fix}")
    if rule.fixable:
        parts.append(f"## Fix safety\n\n{rule.fix_safety}")
    return "\n\n".join(parts) + "\n"


class Reporter:
    """Writes one LintReport to `out` (stdout) and `err` (stderr).

    Notes, warnings and statistics go to `err` unless the format has a way to carry them, so `out`
    holds the format alone and stays parseable.
    """

    name: ClassVar[str]

    def __init__(self, out: TextIO, err: TextIO, *, rules: Mapping[str, RuleInfo],
                 color: bool | None = None) -> None:
        self.out = out
        self.err = err
        self.rules = rules
        self.color = color

    def report(self, report: LintReport) -> None:
        self.write_diagnostics(report)
        if report.statistics:
            self.err.write(statistics_table(report.diagnostics, self.rules))
        if report.fixed is not None:
            self.err.write(f"{fixed_summary(report)}\n")

    def write_diagnostics(self, report: LintReport) -> None:
        raise NotImplementedError

    def note(self, text: str) -> None:
        self.err.write(f"note: {text}\n")

    def warn(self, text: str) -> None:
        self.err.write(f"warning: {text}\n")


def fixed_summary(report: LintReport) -> str:
    """What --fix did: `fixed 3 findings in 2 files`."""
    count, files = report.fixed or (0, 0)
    if not count:
        return "nothing fixed"
    return f"fixed {_plural(count, 'finding')} in {_plural(files, 'file')}"


def fixable_hint(report: LintReport) -> str:
    """How many of the findings `--fix` (or `--unsafe-fixes`) would fix; empty when none."""
    safe = sum(1 for d in report.diagnostics if d.fix is not None and d.fix.safe)
    unsafe = sum(1 for d in report.diagnostics if d.fix is not None and not d.fix.safe)
    if report.unsafe_fixes:
        safe, unsafe = safe + unsafe, 0
    if not safe and not unsafe:
        return ""
    more = f"{unsafe} more with --unsafe-fixes" if unsafe else ""
    if not safe:
        return f" {more[0].upper()}{more[1:]}."
    return f" {safe} fixable with --fix" + (f" ({more})." if more else ".")


def statistics_table(diagnostics: Sequence[Diagnostic], rules: Mapping[str, RuleInfo]) -> str:
    """Findings per rule, most frequent first (ties by code)."""
    counts = Counter(d.code for d in diagnostics)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    names = {code: rules[code].name if code in rules else "" for code in counts}
    name_width = max(map(len, names.values()))
    lines = []
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        severity = rules[code].severity.value if code in rules else ""
        lines.append(f"{n:>{width}}  {code}  {names[code]:<{name_width}}  {severity}".rstrip())
    return "\n".join(lines) + "\n"


Segment = tuple[str, str]  # (text, rich style); the style is dropped when there is no colour


class TextReporter(Reporter):
    """`path:line:col: CODE message`, a code frame, a summary line; colour only on a terminal.

    Off a terminal the lines are written as plain text without loading rich at all: the pre-commit
    hook's one-file run is where every millisecond of start-up shows.
    """

    name = "text"

    def __init__(self, out: TextIO, err: TextIO, **kwargs) -> None:
        super().__init__(out, err, **kwargs)
        self.console = None
        if self.color or (self.color is None and (_isatty(out) or os.environ.get("FORCE_COLOR"))):
            from rich.console import Console

            # soft_wrap: a finding stays on one line whatever the width, so editors can parse it.
            self.console = Console(file=out, force_terminal=self.color, highlight=False, soft_wrap=True,
                                   emoji=False)

    def line(self, *segments: Segment) -> None:
        if self.console is None:
            self.out.write("".join(text for text, _ in segments) + "\n")
        else:
            from rich.text import Text

            self.console.print(Text.assemble(*segments))

    def note(self, text: str) -> None:
        self.line(("note", "bold cyan"), (f": {text}", ""))

    def report(self, report: LintReport) -> None:
        self.write_diagnostics(report)
        if report.statistics and report.diagnostics:
            self.line()
            for row in statistics_table(report.diagnostics, self.rules).splitlines():
                self.line((row, ""))
        if report.diagnostics:
            self.line()
        self.line(*self.summary(report))

    def write_diagnostics(self, report: LintReport) -> None:
        sources = _SourceLines()
        if self.console is None:
            # Plain text, written _PIECE findings at a time, each path and message made printable once: a
            # bundle's sixty thousand findings mostly share theirs.
            shown: dict[str, str] = {}
            piece: list[str] = []
            for d in report.diagnostics:
                path = shown.get(d.path) or shown.setdefault(d.path, printable(d.path))
                message = shown.get(d.message) or shown.setdefault(d.message, printable(d.message))
                frame = code_frame(sources.get(d.path), d)
                rows = "\n".join(frame.splitlines()) + "\n" if frame else ""  # what line() makes of each row
                piece.append(f"{path}:{d.line}:{d.column}: {d.code} {message}\n{rows}")
                if len(piece) == _PIECE:
                    self.out.write("".join(piece))
                    piece.clear()
            if piece:
                self.out.write("".join(piece))
            return
        for d in report.diagnostics:
            style = "bold red" if d.severity is Severity.ERROR else "bold yellow"
            self.line((printable(f"{d.path}:{d.line}:{d.column}"), "bold"), (": ", ""), (d.code, style),
                      (f" {printable(d.message)}", ""))
            for row in code_frame(sources.get(d.path), d).splitlines():
                self.line((row, "dim"))

    def summary(self, report: LintReport) -> list[Segment]:
        files = _plural(report.files_checked, "file")
        any_fixed = bool(report.fixed and report.fixed[0])
        fixed = f"F{fixed_summary(report)[1:]}; " if any_fixed else ""
        if not report.diagnostics:
            remain = "nothing remains" if any_fixed else "No findings"
            return [("✓", "bold green"), (f" {fixed}{remain} in {files}.", "")]
        touched = len({d.path for d in report.diagnostics})
        verb = " remain" if any_fixed else ""
        segments = [("✗" if report.failed else "!", "bold red" if report.failed else "bold yellow"),
                    (f" {fixed}{_plural(report.errors, 'error')} and {_plural(report.warning_count, 'warning')}"
                     f"{verb} in {_plural(touched, 'file')} ({files} checked).{fixable_hint(report)}", "")]
        if report.max_warnings is not None and report.warning_count > report.max_warnings:
            segments.append((f" More warnings than --max-warnings {report.max_warnings}.", ""))
        return segments


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or exotic stream
        return False


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _SourceLines:
    """Reads each file with findings once, lazily, for code frames."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str] | None] = {}

    def get(self, path: str) -> list[str] | None:
        if path not in self._cache:
            try:
                raw = Path(path).read_bytes()
            except OSError:
                self._cache[path] = None
            else:
                self._cache[path] = raw.decode("utf-8", errors="replace").splitlines()
        return self._cache[path]


# Source text, paths and messages can hold terminal control sequences (a binary file named .js, a
# hostile string literal): shown as U+FFFD, never sent to the terminal. Tabs stay (expanded later).
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0a, 0x20), *range(0x7f, 0xa0)]}
_CONTROL = re.compile("[" + re.escape("".join(map(chr, _CONTROLS))) + "]")  # any of them, searched in C


def printable(text: str) -> str:
    return text.translate(_CONTROLS) if _CONTROL.search(text) else text  # the search, in C, is the common case


def code_frame(lines: list[str] | None, d: Diagnostic) -> str:
    """A few numbered lines around the finding with carets under it, clipped to FRAME_WIDTH."""
    if not lines or not 1 <= d.line <= len(lines):
        return ""
    first = max(1, d.line - FRAME_CONTEXT)
    last = min(len(lines), d.line + FRAME_CONTEXT)
    gutter = len(str(last))
    col = max(d.column, 1) - 1
    end = d.end_column - 1 if d.end_line in (0, d.line) and d.end_column > d.column else col + 1
    start = max(0, min(col - FRAME_WIDTH // 3, len(lines[d.line - 1]) - FRAME_WIDTH))
    out = []
    for number in range(first, last + 1):
        # Clipped first, then made printable (one character for one: a tab is one space): a bundle's
        # one line of megabytes is not copied for each of its findings.
        raw = lines[number - 1]
        clipped = printable(raw[start:start + FRAME_WIDTH].expandtabs(1))
        if start > 0 and clipped:
            clipped = "…" + clipped[1:]
        if start + FRAME_WIDTH < len(raw):
            clipped = clipped[:-1] + "…"
        marker = ">" if number == d.line else " "
        out.append(f" {marker} {number:>{gutter}} | {clipped}".rstrip())
        if number == d.line:
            caret_from = col - start
            caret_len = max(1, min(end, start + FRAME_WIDTH) - col)
            out.append(f"   {' ' * gutter} | {' ' * caret_from}{'^' * caret_len}")
    return "\n".join(out) + "\n"


class JsonReporter(Reporter):
    """A JSON list of findings, sorted by path, line, column, code (DESIGN §6)."""

    name = "json"

    def write_diagnostics(self, report: LintReport) -> None:
        # In pieces of a thousand findings: json.dump would hand the stream tens of thousands of small
        # ones, and a bundle's megabytes in one piece would be copied whole into memory the process must
        # first be given (once joined, once encoded).
        for piece in _findings_json(sorted(report.diagnostics, key=ORDER)):
            self.out.write(piece)
        self.out.write("\n")


# json.dumps([d.to_json() …], indent=2, ensure_ascii=False), laid out by hand: the indenting encoder is
# pure Python (about 8 µs a finding, most of a big bundle's report). A finding is a flat object whose
# strings repeat from finding to finding (a bundle's thousands share path, code and message), so each
# distinct head and tail is escaped and laid out once; only the numbers are formatted per finding. A
# property test holds it to json.dumps byte for byte.
_HEAD = '  {\n    "path": %s,\n    "line": '
_NUMBERS = '%d,\n    "column": %d,\n    "end_line": %d,\n    "end_column": %d,'
_TAIL = '\n    "code": %s,\n    "name": %s,\n    "severity": %s,\n    "message": %s\n  }'


_PIECE = 1000


def findings_json(diagnostics: Sequence[Diagnostic]) -> str:
    """The JSON reporter's list of findings, in the given order."""
    return "".join(_findings_json(diagnostics))


def _findings_json(diagnostics: Sequence[Diagnostic]) -> Iterator[str]:
    """findings_json in pieces of _PIECE findings each (the first with the opening bracket, the last
    with the closing one)."""
    if not diagnostics:
        yield "[]"
        return
    heads: dict[str, str] = {}
    tails: dict[tuple, str] = {}
    for start in range(0, len(diagnostics), _PIECE):
        items = []
        for d in diagnostics[start:start + _PIECE]:
            head = heads.get(d.path)
            if head is None:
                head = heads[d.path] = _HEAD % encode_basestring(d.path)
            key = (d.code, d.name, d.severity, d.message)
            tail = tails.get(key)
            if tail is None:
                tail = tails[key] = _TAIL % tuple(map(encode_basestring, (d.code, d.name, d.severity.value, d.message)))
            items.append(head + _NUMBERS % (d.line, d.column, d.end_line or d.line, d.end_column or d.column) + tail)
        yield ("[\n" if start == 0 else ",\n") + ",\n".join(items) + ("\n]" if start + _PIECE >= len(diagnostics) else "")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: one `::error`/`::warning` annotation per finding; notes and
    skipped files become `::notice`/`::warning` annotations of the run, where CI users look."""

    name = "github"

    def note(self, text: str) -> None:
        self.out.write(f"::notice title=ttminis::{_escape_data(text)}\n")

    def warn(self, text: str) -> None:
        self.out.write(f"::warning title=ttminis::{_escape_data(text)}\n")

    def write_diagnostics(self, report: LintReport) -> None:
        for d in sorted(report.diagnostics, key=ORDER):
            j = d.to_json()
            props = ",".join(f"{k}={_escape_property(str(v))}" for k, v in (
                ("file", d.path), ("line", j["line"]), ("col", j["column"]),
                ("endLine", j["end_line"]), ("endColumn", j["end_column"]), ("title", d.code)))
            self.out.write(f"::{d.severity.value} {props}::{_escape_data(d.message)}\n")


def _escape_data(value: str) -> str:
    # Per GitHub's toolkit (command.ts escapeData): % first, then the line breaks.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


class SarifReporter(Reporter):
    """SARIF 2.1.0 for GitHub code scanning: every rule with its help, results with relative URIs."""

    name = "sarif"

    def __init__(self, out: TextIO, err: TextIO, **kwargs) -> None:
        super().__init__(out, err, **kwargs)
        self.notifications: list[dict] = []  # notes and skipped files, shown on code scanning's tool status

    def note(self, text: str) -> None:
        super().note(text)
        self.notifications.append({"level": "note", "message": {"text": text}})

    def warn(self, text: str) -> None:
        super().warn(text)
        self.notifications.append({"level": "warning", "message": {"text": text}})

    def write_diagnostics(self, report: LintReport) -> None:
        self.out.write(json.dumps(self.sarif(report), indent=2, ensure_ascii=False) + "\n")

    def sarif(self, report: LintReport) -> dict:
        from ttminis_cli import __version__

        codes = sorted(self.rules)
        index = {code: i for i, code in enumerate(codes)}
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "ttminis",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": [_sarif_rule(self.rules[c]) for c in codes],
                }},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "invocations": [{"executionSuccessful": True,
                                 "toolExecutionNotifications": self.notifications}],
                "results": _sarif_results(sorted(report.diagnostics, key=ORDER), index),
                # The engine counts columns in characters, not bytes or UTF-16 units (lint/model.py).
                "columnKind": "unicodeCodePoints",
            }],
        }


def _level(severity: Severity) -> str:
    return "error" if severity is Severity.ERROR else "warning"


def _sarif_rule(rule: RuleInfo) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why or rule.summary},
        "help": {"text": rule.fix or rule.summary, "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"level": _level(rule.severity), "enabled": not rule.opt_in},
        "properties": {"tags": ["ttminis", "html-runtime" if rule.html_only else "mini-game"]},
    }


def _sarif_results(diagnostics: Sequence[Diagnostic], index: Mapping[str, int]) -> list[dict]:
    """Results with a fingerprint that survives edits elsewhere in the file: code scanning matches an
    alert across runs by it (rule, path, the flagged line's text, and which such finding it is)."""
    import hashlib

    sources = _SourceLines()
    seen: Counter = Counter()
    flagged: dict[tuple[str, int], str] = {}  # once per line: a bundle's one line holds all its findings
    results = []
    for d in diagnostics:
        text = flagged.get((d.path, d.line))
        if text is None:
            lines = sources.get(d.path) or []
            text = " ".join(lines[d.line - 1].split())[:FRAME_WIDTH * 4] if 1 <= d.line <= len(lines) else ""
            flagged[(d.path, d.line)] = text
        seen[(d.code, d.path, text)] += 1
        basis = f"{d.code}\0{d.path}\0{text}\0{seen[(d.code, d.path, text)]}"
        result = _sarif_result(d, index)
        result["partialFingerprints"] = {"ttminisFinding/v1": hashlib.sha256(basis.encode()).hexdigest()}
        results.append(result)
    return results


def _sarif_result(d: Diagnostic, index: Mapping[str, int]) -> dict:
    j = d.to_json()
    location: dict = {"uri": quote(d.path)}
    if not Path(d.path).is_absolute():
        location["uriBaseId"] = "%SRCROOT%"
    else:
        location["uri"] = Path(d.path).as_uri()
    end_line = max(j["end_line"], j["line"])
    end_column = j["end_column"] if end_line > j["line"] else max(j["end_column"], j["column"])
    result = {
        "ruleId": d.code,
        "level": _level(d.severity),
        "message": {"text": d.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": location,
            "region": {"startLine": j["line"], "startColumn": j["column"],
                       "endLine": end_line, "endColumn": end_column},
        }}],
    }
    if d.code in index:
        result["ruleIndex"] = index[d.code]
    return result


REPORTERS: dict[str, type[Reporter]] = {cls.name: cls for cls in
                                        (TextReporter, JsonReporter, SarifReporter, GithubReporter)}


def get_reporter(name: str) -> type[Reporter]:
    """The reporter class for a --format name."""
    return REPORTERS[name]
