"""Cloud-storage rules TTM301–305 (limits from ttminis_cli/platform/limits.py)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Callable, Sequence

from ttminis_cli.lint import parse as P
from ttminis_cli.lint import rewrite
from ttminis_cli.lint.diagnostic import Fix, RuleInfo, Severity, new_edit, new_fix
from ttminis_cli.lint.facts import STORAGE_READS, STORAGE_WRITE, StorageEntry, static_string, write_entries
from ttminis_cli.lint.records import Facts, Span
from ttminis_cli.platform.limits import KEY_MAX_CHARS, VALUE_MAX_CHARS, js_length

if TYPE_CHECKING:
    from tree_sitter import Node

    from ttminis_cli.lint.calls import Call
    from ttminis_cli.lint.model import FileModel

_LONG_KEY = "k" * (KEY_MAX_CHARS + 1)

TTM301 = RuleInfo(
    code="TTM301", name="storage-key-too-long", severity=Severity.ERROR,
    summary=f"A cloud-storage key literal over {KEY_MAX_CHARS} characters.",
    why=f"The platform refuses keys longer than {KEY_MAX_CHARS} characters and fails the whole write.",
    bad=f"tt.setUserCloudStorage({{\n  data: [{{ key: '{_LONG_KEY}', value: '10' }}],\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: '10' }],\n  fail(err) { console.error(err); },\n});\n",
    fix="Use a short key name; put long data in the value.",
)
TTM302 = RuleInfo(
    code="TTM302", name="storage-value-too-long", severity=Severity.ERROR,
    summary=f"A value literal over {VALUE_MAX_CHARS} characters.",
    why=f"The platform refuses values longer than {VALUE_MAX_CHARS} characters and fails the whole write.",
    bad="tt.setUserCloudStorage({\n  data: [{ key: 'save', value: '" + "x" * (VALUE_MAX_CHARS + 1) + "' }],\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [{ key: 'save', value: 'level=3' }],\n  fail(err) { console.error(err); },\n});\n",
    fix="Store less (an id, a compact summary) or split the data over several keys.",
)
TTM303 = RuleInfo(
    code="TTM303", name="storage-value-not-string", severity=Severity.ERROR,
    summary="A value that is a number, boolean, object or array literal.",
    why="Cloud-storage values are strings; the platform fails (or mangles) anything else.",
    bad="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: 10 }],\n  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: String(10) }],\n  fail(err) { console.error(err); },\n});\n",
    fix="Convert it: `String(x)` for numbers, `JSON.stringify(x)` for objects and arrays.",
    fixable="safe or unsafe",
    fix_safety="Numbers and booleans become the string String() makes of them (`10` → `'10'`, `1.5` → "
               "`String(1.5)`): safe. An object or array through `JSON.stringify(…)` is unsafe: whoever reads "
               "the key must now `JSON.parse` it. `null` gets no fix.",
)
TTM304 = RuleInfo(
    code="TTM304", name="duplicate-storage-key", severity=Severity.WARNING,
    summary="The same key twice in one setUserCloudStorage call.",
    why="Only one of the two values is kept; which one is not documented.",
    bad="tt.setUserCloudStorage({\n  data: [\n    { key: 'score', value: '10' },\n    { key: 'score', value: '12' },\n"
        "  ],\n  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [\n    { key: 'score', value: '12' },\n    { key: 'level', value: '3' },\n"
         "  ],\n  fail(err) { console.error(err); },\n});\n",
    fix="Write each key once per call.",
)
TTM305 = RuleInfo(
    code="TTM305", name="storage-key-never-written", severity=Severity.WARNING,
    summary="A key read (keyList of a get call) that no setUserCloudStorage in the project writes.",
    why="Reading a key nobody writes returns nothing, and friends without the key drop out of the "
        "leaderboard; it is usually a typo of the key the game writes.",
    bad="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: '10' }],\n  fail(err) { console.error(err); },\n});\n"
        "tt.getUserCloudStorage({\n  keyList: ['scroe'],\n  success(res) { console.log(res.KVDataList); },\n"
        "  fail(err) { console.error(err); },\n});\n",
    good="tt.setUserCloudStorage({\n  data: [{ key: 'score', value: '10' }],\n  fail(err) { console.error(err); },\n});\n"
         "tt.getUserCloudStorage({\n  keyList: ['score'],\n  success(res) { console.log(res.KVDataList); },\n"
         "  fail(err) { console.error(err); },\n});\n",
    fix="Read the key the game writes (check the spelling), or write it somewhere.",
    bad_path="openDataContext/index.js",
)

RULES = (TTM301, TTM302, TTM303, TTM304, TTM305)

_KEY_READERS = ("removeUserCloudStorage", *STORAGE_READS)
_NOT_STRING = {"number": "a number", "boolean": "a boolean", "object": "an object", "array": "an array",
               "null": "null"}
# TTM303's message per kind, built once: a bundle can have one finding per call.
_NOT_STRING_MESSAGES = {
    kind: f"cloud-storage values must be strings, this is {what}: "
          f"write {'JSON.stringify(x)' if kind in ('object', 'array') else 'String(x)'}"
    for kind, what in _NOT_STRING.items()}


def check_file(model: FileModel) -> None:
    """Nothing file-wide: the storage rules are about one call each (call_check)."""


def call_check(model: FileModel) -> Callable[[Call], None]:
    """TTM301–304 on one call, as a function the analysis runs on each call in turn (lint/analysis.py)."""

    def check(call: Call) -> None:
        if call.api == STORAGE_WRITE:
            elements = write_entries(model, call)  # noted for the facts even where not checked
            if elements is not None and not call.namespace_mistake:
                _check_write(model, elements)
        elif call.api in _KEY_READERS and not call.namespace_mistake:
            for key, _, value in model.pairs(call.first_argument):
                value = P.unwrap(value)
                if key == "keyList" and value is not None and value.type == "array":
                    for element in value.named_children:
                        _check_key(model, static_string(element, model), element)

    return check


def _check_write(model: FileModel, elements: list[list[StorageEntry]]) -> None:
    seen: dict[str, Node] = {}  # key -> its first node
    for entries in elements:
        for name, value, static_or_kind in entries:
            if name == "key":
                key = static_or_kind
                if key is None:
                    continue
                _check_key(model, key, value)
                if key in seen:
                    model.report(TTM304, value, f"key '{key}' is written twice in this call (first on line "
                                                f"{model.span(seen[key])[0]}); only one value is kept: write it once")
                else:
                    seen[key] = value
                continue
            message = _NOT_STRING_MESSAGES.get(static_or_kind)  # static_or_kind: the value's P.literal_kind
            if message is not None:
                span = model.span(value)  # the finding's and its fix's: worked out once
                model.report(TTM303, span, message, _string_fix(model, static_or_kind, value, span))
                continue
            text = static_string(value, model)
            if text is not None and js_length(text) > VALUE_MAX_CHARS:
                model.report(TTM302, value, f"cloud-storage value is {js_length(text)} characters; values may have "
                                            f"at most {VALUE_MAX_CHARS}: store less or split it over several keys")


def _check_key(model: FileModel, key: str | None, node) -> None:
    # A character is one or two UTF-16 units: a key of at most half the limit in characters is within it.
    if key is not None and 2 * len(key) > KEY_MAX_CHARS and js_length(key) > KEY_MAX_CHARS:
        model.report(TTM301, node, f"cloud-storage key is {js_length(key)} characters; keys may have at most "
                                   f"{KEY_MAX_CHARS}: use a shorter name")


def _string_fix(model: FileModel, kind: str, value: Node, span: Span) -> Fix | None:
    """`10` → `'10'` and `true` → `'true'` (what String() makes of them), other numbers through
    `String(…)`: safe. An object or array through `JSON.stringify(…)` is unsafe: whoever reads the key
    must now JSON.parse it. null gets no fix (meant as no value, most likely). `value` is the value as
    written (maybe in parentheses), `span` its own."""
    text = (P.unwrap(value) if value.type in P.WRAPPERS else value).text.decode("utf-8", "replace")
    # Fix and Edit built as the plain tuples they are: a bundle can have one of these per call.
    if kind == "boolean" or (kind == "number" and _DECIMAL(text)):
        quoted = rewrite.string_literal(model, text)
        return new_fix(f"Write `{quoted}`", True, (new_edit((*span, quoted)),))
    if kind == "number":
        return new_fix(f"Write `String({text})`", True, (new_edit((*span, f"String({text})")),))
    if kind in ("object", "array"):
        return new_fix("Write it through `JSON.stringify(…)`", False, (new_edit((*span, f"JSON.stringify({text})")),))
    return None


_DECIMAL = rewrite.DECIMAL.fullmatch


def check_project(facts: Sequence[Facts], report: Callable) -> None:
    """TTM305: keys read that no write in the same project writes (only when every write is legible, and
    there is at least one)."""
    projects: dict[str, list[Facts]] = defaultdict(list)
    for f in facts:
        projects[f.project_root].append(f)
    for files in projects.values():
        if any(f.writes_unknown for f in files):
            continue
        written = {k for f in files for k in f.keys_written}
        if not written:  # the writer is elsewhere (an open-data-only repository, another package)
            continue
        for f in files:
            for read in f.key_reads:
                if read.key not in written:
                    report(TTM305, f, read.span,
                           f"{read.api} reads '{read.key}' but no setUserCloudStorage in this project writes it"
                           f" ({_written(written)}); check the spelling")


def _written(keys: set[str]) -> str:
    return "it writes " + ", ".join(f"'{k}'" for k in sorted(keys))
