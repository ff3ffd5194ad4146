"""`ttminis validate` and `ttminis schema`: project.config.json, game.json and the project's tree.

Checks record `Finding`s into a list; reporters (text, json) format them. Every finding points
at a file:line:col, and at a JSON pointer when it is about a value.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from ttminis_cli.errors import EXIT_FINDINGS, EXIT_OK, UserError
from ttminis_cli.project import (DEFAULT_OPEN_DATA_DIR, GAME_JSON, PROJECT_CONFIG, SKIP_DIRS,
                                 declared_open_data, find_root)
from ttminis_cli.scaffold import PLACEHOLDER_APP_ID

SCHEMA_FILE = "project.config.schema.json"
MB = 1024 * 1024
# The platform's package budget (platform.md, game.json): over it is a local warning, an upload failure.
TOTAL_BUDGET = 30 * MB
MAIN_BUDGET = 4 * MB
SUBPACKAGE_BUDGET = 4 * MB
UPLOAD_REFUSED = "it runs locally, but the platform refuses to upload it (validate --strict fails on this)"
LARGEST_SHOWN = 3

ERROR, WARNING, NOTE = "error", "warning", "note"
_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}


@dataclass(frozen=True)
class Finding:
    """One problem (or note) at a place: 1-based line and column, a JSON pointer when about a value."""

    path: str
    line: int
    column: int
    severity: str
    message: str
    pointer: str = ""
    hint: str = ""

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, _SEVERITY_ORDER[self.severity], self.message)

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.column, "severity": self.severity,
                "pointer": self.pointer, "message": self.message, "hint": self.hint}


# --------------------------------------------------------------------------- commands


def run_schema() -> int:
    """Print the shipped JSON Schema of project.config.json, byte for byte."""
    sys.stdout.write(schema_text())
    return EXIT_OK


def run_validate(paths: Iterable[Path], fmt: str = "text", strict: bool = False) -> int:
    """Validate each project (a folder, or its project.config.json / game.json); 1 when any error,
    or with `strict` any warning too."""
    roots = _roots(paths)
    results = [(root, validate_project(root)) for root in roots]
    REPORTERS[fmt](results, strict)
    failing = (ERROR, WARNING) if strict else (ERROR,)
    failed = any(f.severity in failing for _, findings in results for f in findings)
    return EXIT_FINDINGS if failed else EXIT_OK


def _roots(paths: Iterable[Path]) -> list[Path]:
    """Project roots of the arguments, each once, in order; any bad argument stops everything."""
    roots: list[Path] = []
    for path in paths:
        if not os.path.lexists(path):
            raise UserError(f"no such file or folder: {path}", hint="pass a project folder or its "
                            f"{PROJECT_CONFIG}")
        if path.is_file():
            if path.name not in (PROJECT_CONFIG, GAME_JSON):
                raise UserError(f"{path} is neither {PROJECT_CONFIG} nor {GAME_JSON}",
                                hint="pass a project folder, its project.config.json or its game.json")
            if not os.access(path, os.R_OK):
                raise UserError(f"cannot read {path}: permission denied", hint="check the file's permissions")
            root = path.resolve().parent
        elif path.is_dir():
            root, has_config = find_root(path, templates=True)
            if not has_config:
                raise UserError(f"no {PROJECT_CONFIG} or {GAME_JSON} in {path} or any folder above it",
                                hint="pass a mini-game project folder, or create one with `ttminis init`")
        else:
            raise UserError(f"cannot read {path}: not a file or folder", hint="pass a project folder")
        if root not in roots:
            roots.append(root)
    return roots


# --------------------------------------------------------------------------- JSON with positions


@dataclass
class JsonDoc:
    """A parsed JSON file and where each value (and each object key) starts in its text."""

    path: Path
    shown: str  # the path as reports print it
    data: Any
    values: dict[str, tuple[int, int]] = field(default_factory=dict)  # pointer -> (line, column)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # pointer -> its key's (line, column)

    def at(self, pointer: str, severity: str, message: str, hint: str = "", *, key: bool = False) -> Finding:
        line, column = (self.keys if key else self.values).get(pointer) or self.values.get(pointer, (1, 1))
        return Finding(self.shown, line, column, severity, message, pointer, hint)


class JsonProblem(Exception):
    """Malformed JSON: where and what, ready to become a Finding."""

    def __init__(self, line: int, column: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.hint = line, column, message, hint


def load_json(path: Path, shown: str) -> JsonDoc:
    """Parse strictly as JSON (what the platform's JSON.parse accepts), with positions of values.

    Raises JsonProblem for malformed content and UserError (exit 2) when the file cannot be read.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {shown}: {exc.strerror or exc}", hint="check that the file exists "
                        "and is readable") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raise JsonProblem(1, 1, "the file starts with a byte order mark (BOM), which JSON does not allow",
                          "save the file as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(raw[:exc.start].decode("utf-8", errors="replace"), len(raw[:exc.start]))
        raise JsonProblem(line, column, "the file is not valid UTF-8", "save the file as UTF-8") from None
    if not text.strip():
        raise JsonProblem(1, 1, "the file is empty; expected a JSON object", 'write at least "{}"')
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _explain_decode_error(text, exc) from None
    except _NonStandardNumber as exc:
        offset = _find_outside_strings(text, exc.token)
        line, column = _line_col(text, offset)
        raise JsonProblem(line, column, f"{exc.token} is not a JSON number",
                          "write a number, or null, or a string") from None
    doc = JsonDoc(path, shown, data)
    _index_positions(doc, raw)
    return doc


class _NonStandardNumber(ValueError):
    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token


def _reject_constant(token: str) -> Any:
    raise _NonStandardNumber(token)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def _find_outside_strings(text: str, token: str) -> int:
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith(token, i):
            return i
    return 0


def _explain_decode_error(text: str, exc: json.JSONDecodeError) -> JsonProblem:
    """Turn Python's decoder message into one that names the usual mistakes at their own place."""
    pos = exc.pos
    rest = text[pos:]
    if rest.startswith("//") or rest.startswith("/*"):
        line, column = _line_col(text, pos)
        return JsonProblem(line, column, "comments are not allowed in JSON", "remove the comment")
    before = text[:pos].rstrip()
    if before.endswith(",") and rest[:1] in ("}", "]"):
        line, column = _line_col(text, len(before) - 1)
        closer = "object" if rest[:1] == "}" else "array"
        return JsonProblem(line, column, f"trailing comma before the end of the {closer}",
                           "remove this comma (JSON does not allow one after the last item)")
    line, column = _line_col(text, pos)
    if rest.startswith("'"):
        return JsonProblem(line, column, "strings and keys must use double quotes, not single quotes",
                           'write "text" instead of \'text\'')
    if exc.msg.startswith("Unterminated string"):
        return JsonProblem(line, column, "this string is never closed", 'end it with a double quote (")')
    if exc.msg.startswith("Invalid control character"):
        return JsonProblem(line, column, "a line break or control character inside a string",
                           "close the string before the line ends, or write \\n")
    if exc.msg == "Extra data":
        return JsonProblem(line, column, "unexpected text after the end of the JSON value",
                           "a JSON file holds exactly one value: remove what follows it")
    if exc.msg == "Expecting property name enclosed in double quotes" and rest[:1].isalpha():
        return JsonProblem(line, column, "object keys must be in double quotes", 'write "key": value')
    if exc.msg.startswith("Expecting ',' delimiter") and rest[:1] in ('"', "{", "["):
        return JsonProblem(line, column, "missing comma before this item", "add a comma after the previous item")
    if pos >= len(text.rstrip()):
        return JsonProblem(line, column, "the file ends before the JSON value is complete",
                           "close every { and [ and string")
    return JsonProblem(line, column, f"invalid JSON: {exc.msg[0].lower()}{exc.msg[1:]}",
                       "fix the syntax at this place")


@lru_cache(maxsize=1)
def _json_parser():
    import tree_sitter
    import tree_sitter_json

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_json.language()))


def _index_positions(doc: JsonDoc, raw: bytes) -> None:
    """Record the position of every value and key; duplicate keys become a JsonProblem."""
    lines = raw.split(b"\n")

    def position(node) -> tuple[int, int]:
        row, byte_col = node.start_point
        return row + 1, len(lines[row][:byte_col].decode("utf-8", errors="replace")) + 1

    def visit(node, pointer: str) -> None:
        doc.values[pointer] = position(node)
        children = [c for c in node.named_children if c.type != "comment"]
        if node.type == "object":
            seen: set[str] = set()
            for pair in children:
                key_node = pair.child_by_field_name("key")
                value_node = pair.child_by_field_name("value")
                key = json.loads(key_node.text.decode("utf-8"))
                child = f"{pointer}/{escape_pointer(key)}"
                if key in seen:
                    line, column = position(key_node)
                    raise JsonProblem(line, column, f'duplicate key "{key}" (in {pointer or "the top-level object"})',
                                      "remove one of them: JSON readers keep only the last, silently")
                seen.add(key)
                doc.keys[child] = position(key_node)
                visit(value_node, child)
        elif node.type == "array":
            for index, item in enumerate(children):
                visit(item, f"{pointer}/{index}")

    tree = _json_parser().parse(raw)
    top = [c for c in tree.root_node.named_children if c.type != "comment"]
    if top:
        visit(top[0], "")


def escape_pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _shown_value(value: Any) -> str:
    """`a string "9527"`, `an array ["a"]`, or `null`: the kind, then the value when it says more."""
    shown = json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    return f"{_json_type(value)} {shown if len(shown) <= 40 else shown[:37] + '...'}"


# --------------------------------------------------------------------------- the schema


def schema_text() -> str:
    return resources.files("ttminis_cli").joinpath("schemas", SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(schema_text())


_EXPECTED = {"integer": "an integer", "number": "a number", "string": "a string", "object": "an object",
             "array": "an array", "boolean": "true or false"}


def _schema_findings(doc: JsonDoc) -> list[Finding]:
    from jsonschema import Draft202012Validator

    findings = []
    for error in Draft202012Validator(schema()).iter_errors(doc.data):
        pointer = "".join(f"/{escape_pointer(str(p))}" for p in error.absolute_path)
        message, hint = _describe(pointer, error)
        findings.append(doc.at(pointer, ERROR, message, hint))
    known = schema()["properties"]
    for key in doc.data:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.7)
            hint = (f'did you mean "{close[0]}"?' if close
                    else "ignore this if an engine or another platform's dev tool added it")
            findings.append(doc.at(f"/{escape_pointer(key)}", WARNING,
                                   f'unknown key "{key}": TikTok\'s tools do not read it', hint, key=True))
    return findings


def _describe(pointer: str, error) -> tuple[str, str]:
    name = pointer or "the top level"
    value = error.instance
    description = error.schema.get("description", "")
    if error.validator == "type":
        expected = _EXPECTED.get(error.validator_value, error.validator_value)
        message = f"{name} must be {expected}, got {_shown_value(value)}"
        if error.validator_value == "integer" and isinstance(value, str) and value.strip().isdigit():
            return message, f"remove the quotes: {value.strip()}"
        if error.validator_value == "integer" and isinstance(value, float):
            return message, "use a whole number"
        return message, description
    if error.validator in ("minimum", "maximum"):
        low, high = error.schema.get("minimum"), error.schema.get("maximum")
        return f"{name} must be from {low} to {high}, got {json.dumps(value)}", description
    if error.validator == "minLength":
        return f"{name} must not be empty", description
    return f"{name}: {error.message}", description


# --------------------------------------------------------------------------- the project


@dataclass
class _Checked:
    """The project's config files as parsed (None when absent or malformed) and the findings so far."""

    root: Path
    config: JsonDoc | None = None
    game: JsonDoc | None = None
    malformed: bool = False
    findings: list[Finding] = field(default_factory=list)


def validate_project(root: Path) -> list[Finding]:
    """Every finding for the project at `root`, sorted by place."""
    checked = _Checked(root)
    config_path, game_path = root / PROJECT_CONFIG, root / GAME_JSON
    if config_path.is_file():
        checked.config = _load(config_path, checked)
        if checked.config:
            checked.findings += _schema_findings(checked.config)
            checked.findings += _app_id_findings(checked.config)
    if game_path.is_file():
        checked.game = _load(game_path, checked)
        if checked.game:
            checked.findings += _game_findings(checked.game, root)
    elif not (root / "index.html").is_file():  # an HTML-runtime game has no game.json
        checked.findings.append(Finding(_shown(game_path), 1, 1, ERROR,
                                        f"{GAME_JSON} is missing: the platform's dev tool requires it",
                                        hint='create it; "{}" is enough to start'))
    # A config file that does not parse may declare anything: checks that depend on it would guess.
    if not checked.malformed:
        checked.findings += _open_data_findings(checked)
        if checked.game:
            checked.findings += _size_findings(checked.game, root)
    return sorted(checked.findings, key=Finding.sort_key)


def _load(path: Path, checked: _Checked) -> JsonDoc | None:
    shown = _shown(path)
    try:
        doc = load_json(path, shown)
    except JsonProblem as problem:
        checked.malformed = True
        checked.findings.append(Finding(shown, problem.line, problem.column, ERROR, problem.message,
                                        hint=problem.hint))
        return None
    if not isinstance(doc.data, dict):
        checked.malformed = True
        checked.findings.append(doc.at("", ERROR, f"{path.name} must hold a JSON object, got "
                                       f"{_json_type(doc.data)}", 'wrap the settings in { … }'))
        return None
    return doc


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _app_id_findings(doc: JsonDoc) -> list[Finding]:
    findings = []
    ids = {k: doc.data[k] for k in ("app_id", "appid") if isinstance(doc.data.get(k), str)}
    for key, value in ids.items():
        if value.strip() == PLACEHOLDER_APP_ID:
            findings.append(doc.at(f"/{key}", WARNING, f'{key} is still the docs\' placeholder "{value}"',
                                   "set it to your game's client key from the Developer Portal"))
    if len(ids) == 2 and ids["app_id"] != ids["appid"]:
        findings.append(doc.at("/appid", WARNING, f'appid "{ids["appid"]}" differs from app_id '
                               f'"{ids["app_id"]}"; the platform\'s tools read one or the other',
                               "keep one spelling, or give both the same client key"))
    return findings


def _game_findings(doc: JsonDoc, root: Path) -> list[Finding]:
    findings = []
    value = doc.data.get("openDataContext")
    if "openDataContext" in doc.data and not (isinstance(value, str) and value.strip()):
        findings.append(doc.at("/openDataContext", ERROR, "/openDataContext must be a non-empty string, "
                               f"got {_shown_value(value)}",
                               "the open data folder, relative to the project root"))
    if "subpackages" not in doc.data and "subPackages" in doc.data:
        findings.append(doc.at("/subPackages", WARNING, 'TikTok reads "subpackages" (lower case); '
                               '"subPackages" is the Douyin spelling', 'rename it to "subpackages"', key=True))
    for pointer, entry_root in _subpackage_entries(doc, findings):
        problem = _relative_path_problem(entry_root, root)
        if problem:
            findings.append(doc.at(pointer, ERROR, f"subpackage root {entry_root!r} {problem}",
                                   "a folder (or .js file) inside the project"))
        elif not (root / entry_root).exists():
            findings.append(doc.at(pointer, ERROR, f"subpackage root {entry_root!r} does not exist",
                                   "create the folder or fix the path"))
    game_js = root / "game.js"
    if not game_js.is_file():
        if (root / "game.ts").is_file():
            findings.append(Finding(doc.shown, 1, 1, NOTE, "game.ts has not been built to game.js yet",
                                    hint="run the build (npm run build)"))
        else:
            findings.append(Finding(doc.shown, 1, 1, WARNING, "no game.js: the platform starts the main "
                                    "package from game.js", hint="add game.js at the project root"))
    return findings


def _subpackage_entries(doc: JsonDoc, findings: list[Finding]) -> list[tuple[str, str]]:
    """(pointer of root, root) of each well-formed subpackage; problems go into `findings`."""
    key = "subpackages" if "subpackages" in doc.data else "subPackages"
    entries = doc.data.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        findings.append(doc.at(f"/{key}", ERROR, f"/{key} must be an array, got {_json_type(entries)}",
                               '[{"name": "level2", "root": "level2/"}]'))
        return []
    good = []
    for index, entry in enumerate(entries):
        pointer = f"/{key}/{index}"
        if not isinstance(entry, dict):
            findings.append(doc.at(pointer, ERROR, f"{pointer} must be an object, got {_json_type(entry)}",
                                   '{"name": "level2", "root": "level2/"}'))
            continue
        for field_name in ("name", "root"):
            value = entry.get(field_name)
            if not (isinstance(value, str) and value.strip()):
                where = f"{pointer}/{field_name}" if field_name in entry else pointer
                got = f"got {_json_type(value)}" if field_name in entry else "it is missing"
                findings.append(doc.at(where, ERROR, f"subpackage {pointer} needs a non-empty string "
                                       f'"{field_name}"; {got}',
                                       "each subpackage has a name and the root folder of its files"))
        if isinstance(entry.get("root"), str) and entry["root"].strip():
            good.append((f"{pointer}/root", entry["root"].strip()))
    return good


def _relative_path_problem(value: str, root: Path) -> str | None:
    """Why a declared path is not a path inside the project, or None."""
    if value.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", value):
        return "is an absolute path; it must be relative to the project root"
    normal = posixpath.normpath(value.replace("\\", "/"))
    if normal == ".":
        return "is the project root itself"
    if normal == ".." or normal.startswith("../"):
        return "leads outside the project (..)"
    resolved = (root / normal).resolve()
    if resolved != root.resolve() and root.resolve() not in resolved.parents:
        return "leads outside the project through a symbolic link"
    if resolved == root.resolve():
        return "is the project root itself (through a symbolic link)"
    return None


def _open_data_findings(checked: _Checked) -> list[Finding]:
    root = checked.root
    findings = []
    folder, declared_by = declared_open_data(root)
    docs = {PROJECT_CONFIG: checked.config, GAME_JSON: checked.game}
    both = [_declared(docs[name]) for name in (PROJECT_CONFIG, GAME_JSON)]
    if all(both) and _normal(both[0]) != _normal(both[1]):
        findings.append(checked.config.at(
            "/openDataContext", WARNING, f'{PROJECT_CONFIG} declares openDataContext "{both[0]}" but '
            f'{GAME_JSON} declares "{both[1]}"; {PROJECT_CONFIG} wins',
            "declare the same folder in both files, or remove one of them"))
    default_dir = root / DEFAULT_OPEN_DATA_DIR
    doc = docs.get(declared_by) if declared_by else None
    if doc is not None:
        problem = _open_data_problem(doc, root, default_dir.is_dir())
        if problem:
            return [*findings, problem]
    declares_any = any(d is not None and "openDataContext" in d.data for d in docs.values())
    declared = {_normal(value) for value in both if value}
    if default_dir.is_dir() and DEFAULT_OPEN_DATA_DIR not in declared and (folder or not declares_any):
        anchor = checked.config or checked.game
        hint = (f'add "openDataContext": "{DEFAULT_OPEN_DATA_DIR}" to {PROJECT_CONFIG}' if not declares_any
                else f'remove the folder, or declare it instead of "{folder}"')
        findings.append(Finding(anchor.shown, 1, 1, WARNING, f"{DEFAULT_OPEN_DATA_DIR}/ is at the project root "
                                "but no file declares it: the platform will not load it", hint=hint))
    return findings


def _open_data_problem(doc: JsonDoc, root: Path, default_exists: bool) -> Finding | None:
    """What is wrong with the open data folder that `doc` declares (and wins with), if anything."""
    raw = doc.data["openDataContext"]
    suggestion = f'"{DEFAULT_OPEN_DATA_DIR}"'

    def at(severity: str, message: str, hint: str) -> Finding:
        return doc.at("/openDataContext", severity, f'openDataContext "{raw}" {message}', hint)

    problem = _relative_path_problem(raw.strip(), root)
    if problem:
        return at(ERROR, problem, f"name a folder inside the project, e.g. {suggestion}")
    path = root / _normal(raw)
    if not path.exists():
        return at(ERROR, "does not exist", f"did you mean {suggestion}? That folder exists" if default_exists
                  else "create the folder with an index.js, or fix the path")
    if not path.is_dir():
        return at(ERROR, "is a file, not a folder", "name the folder that holds index.js")
    if (path / "index.js").is_file():
        return None
    if (path / "index.ts").is_file():
        return at(NOTE, "has index.ts but no index.js yet",
                  "run the build (npm run build): the platform loads index.js")
    return at(ERROR, "has no index.js: the platform loads the open data domain from it",
              f"add {_normal(raw)}/index.js")


def _declared(doc: JsonDoc | None) -> str | None:
    value = doc.data.get("openDataContext") if doc else None
    return value if isinstance(value, str) and value.strip() else None


def _normal(value: str) -> str:
    return posixpath.normpath(value.strip().replace("\\", "/"))


# --------------------------------------------------------------------------- package size


def _size_findings(game: JsonDoc, root: Path) -> list[Finding]:
    subpackages = {pointer: _normal(value) for pointer, value in _subpackage_entries(game, [])
                   if _relative_path_problem(value, root) is None}
    files = list(_package_files(root))
    sizes: dict[str, list[tuple[int, str]]] = {pointer: [] for pointer in subpackages}
    main: list[tuple[int, str]] = []
    for relative, size in files:
        owner = next((p for p, sub in subpackages.items() if relative == sub or relative.startswith(sub + "/")),
                     None)
        (sizes[owner] if owner else main).append((size, relative))
    findings = []
    total = sum(size for _, size in files)
    if total > TOTAL_BUDGET:
        findings.append(Finding(game.shown, 1, 1, WARNING,
                                f"the package is {_human_size(total)}, over the platform's {_human_size(TOTAL_BUDGET)} "
                                f"limit: {UPLOAD_REFUSED}", hint=_largest([(s, r) for r, s in files])))
    main_size = sum(size for size, _ in main)
    if main_size > MAIN_BUDGET:
        findings.append(Finding(game.shown, 1, 1, WARNING,
                                f"the main package (everything outside subpackages) is {_human_size(main_size)}, over "
                                f"the platform's {_human_size(MAIN_BUDGET)} limit: {UPLOAD_REFUSED}",
                                hint=_largest(main) + "; move assets into subpackages"))
    for pointer, members in sizes.items():
        size = sum(s for s, _ in members)
        if size > SUBPACKAGE_BUDGET:
            findings.append(game.at(pointer, WARNING, f"subpackage {subpackages[pointer]!r} is {_human_size(size)}, "
                                    f"over the platform's {_human_size(SUBPACKAGE_BUDGET)} limit: {UPLOAD_REFUSED}",
                                    _largest(members, subpackages[pointer]) + "; split it into smaller subpackages"))
    return findings


def _package_files(root: Path) -> Iterable[tuple[str, int]]:
    """(path relative to root, size) of each file the package would hold: no tool or VCS folders."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            try:
                size = path.stat().st_size
            except OSError:
                continue
            yield path.relative_to(root).as_posix(), size


def _largest(members: list[tuple[int, str]], within: str = "") -> str:
    """The biggest files, and the biggest folders (one level below `within`) when files are many."""
    top = sorted(members, key=lambda m: (-m[0], m[1]))[:LARGEST_SHOWN]
    text = "largest files: " + ", ".join(f"{relative} ({_human_size(size)})" for size, relative in top)
    folders: dict[str, int] = {}
    for size, relative in members:
        inner = relative[len(within) + 1:] if within else relative
        if "/" in inner:
            folder = f"{within}/{inner.split('/')[0]}" if within else inner.split("/")[0]
            folders[folder] = folders.get(folder, 0) + size
    biggest = sorted(folders.items(), key=lambda f: (-f[1], f[0]))[:LARGEST_SHOWN]
    if biggest:
        text += "; largest folders: " + ", ".join(f"{folder}/ ({_human_size(size)})" for folder, size in biggest)
    return text


def _human_size(size: int) -> str:
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"


# --------------------------------------------------------------------------- reporters

Results = list[tuple[Path, list[Finding]]]


def report_text(results: Results, strict: bool = False) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False, soft_wrap=True)
    colours = {ERROR: "bold red", WARNING: "yellow", NOTE: "cyan"}
    for root, findings in results:
        for f in findings:
            pointer = f" [dim]({escape(f.pointer)})[/]" if f.pointer and f.pointer not in f.message else ""
            console.print(f"{escape(f.path)}:{f.line}:{f.column}: [{colours[f.severity]}]{f.severity}[/]: "
                          f"{escape(f.message)}{pointer}")
            if f.hint:
                console.print(f"  [dim]hint:[/] {escape(f.hint)}")
        counts = {s: sum(1 for f in findings if f.severity == s) for s in (ERROR, WARNING, NOTE)}
        parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
        if counts[ERROR] or (strict and counts[WARNING]):
            verdict = "[bold red]invalid[/]" + (" (--strict: warnings fail)" if not counts[ERROR] else "")
        else:
            verdict = "[green]valid[/]" + (", with warnings" if counts[WARNING] else "")
        console.print(f"{escape(_shown(root))}: {verdict}" + (f" ({', '.join(parts)})" if parts else ""))


def report_json(results: Results, strict: bool = False) -> None:
    findings = sorted((f for _, fs in results for f in fs), key=Finding.sort_key)
    sys.stdout.write(json.dumps([f.to_json() for f in findings], indent=2, ensure_ascii=False) + "\n")


REPORTERS: dict[str, Callable[[Results, bool], None]] = {"text": report_text, "json": report_json}
