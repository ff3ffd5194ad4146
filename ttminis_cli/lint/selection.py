"""Which files `ttminis lint` leaves out unless asked (DESIGN §3a): the game's own code is linted, not
the engines and libraries it ships, nor minified, generated or compiled output.

    by name      NAMED, one table: engine and library files and folders, `*.min.js`
    by path      JavaScript beside its TypeScript source or under tsconfig's outDir; what
                 project.config.json `packOptions.ignore` leaves out of the package
    by content   minified (long lines of dense code) or generated (a header that says so), judged on
                 the first HEAD_BYTES; engine.analyze asks, so the runner caches the verdict with the
                 file's result and a warm run reads nothing

The plan applies the first two to files a folder walk finds (and, with --force-exclude, to files
named on the command line); --include-vendored or `[lint] include-vendored = true` turns it all off.
A skipped file is neither reported on nor read for cross-file facts. `note` says what was skipped.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Iterable, NamedTuple

from ttminis_cli.project import PROJECT_CONFIG, read_json_object

VENDORED = "vendored"
MINIFIED = "minified"
GENERATED = "generated"
COMPILED = "compiled"
UNPACKAGED = "unpackaged"
# The note's words for each kind, in the note's order.
KIND_LABELS = {
    VENDORED: "vendored engine/library",
    MINIFIED: "minified",
    GENERATED: "generated",
    COMPILED: "compiled from TypeScript",
    UNPACKAGED: "left out of the package by packOptions.ignore",
}

# What projects commit but do not write. A pattern ending in `/` is a folder inside the project:
# every file below it. Any other pattern is a glob on a JavaScript file's name without its extension
# (`.js`, `.mjs`, `.cjs`), in lower case. Only names that mean the engine or library itself are here:
# `lib/` is often a game's own code, `physics.js` or `symbol.js` alone could be anyone's.
# (pattern, kind, what it is[, a sibling file that must be there too])
NAMED: tuple[tuple[str, ...], ...] = (
    ("cocos-js/", VENDORED, "Cocos Creator 3 engine build"),
    ("cc", VENDORED, "Cocos Creator 3 engine (cocos-js/cc.js)"),
    ("_virtual_cc-*", VENDORED, "Cocos Creator 3.8 engine chunk"),
    ("cocos2d-js*", VENDORED, "Cocos Creator 2 engine (src/cocos2d-js-min.js)"),
    ("engine-adapter*", VENDORED, "Cocos engine adapter"),
    ("web-adapter*", VENDORED, "Cocos web adapter"),
    ("adapter-min*", VENDORED, "Cocos Creator 2 adapter"),
    ("physics-min*", VENDORED, "Cocos Creator 2 physics build"),
    ("laya.*", VENDORED, "LayaAir engine modules (laya.core.js, laya.webgl.js, …)"),
    ("egret", VENDORED, "Egret engine"),
    ("egret.*", VENDORED, "Egret engine modules (egret.web.js, egret.wxgame.js, …)"),
    # Egret's other modules, where the engine sits beside them (a WeChat build's js/ folder): alone,
    # `tween.js` or `socket.js` could be anyone's.
    *((name, VENDORED, "Egret engine modules (eui.js, assetsmanager.js, …)", "egret.js")
      for name in ("eui", "assetsmanager", "tween", "socket", "dragonbones", "particle", "res", "promise")),
    ("phaser", VENDORED, "Phaser"),
    ("phaser.*", VENDORED, "Phaser builds (phaser.min.js, …)"),
    ("phaser-*", VENDORED, "Phaser builds (phaser-arcade-physics.js, phaser-ce.js, …)"),
    ("pixi", VENDORED, "PixiJS"),
    ("pixi.*", VENDORED, "PixiJS builds (pixi.min.js, …)"),
    ("pixi-*", VENDORED, "PixiJS builds and plugins (pixi-legacy.js, pixi-spine.js, …)"),
    ("three", VENDORED, "three.js"),
    ("three.*", VENDORED, "three.js builds (three.module.js, three.min.js, …)"),
    ("threejs-miniprogram/", VENDORED, "three.js for WeChat mini programs"),
    ("protobuf", VENDORED, "protobuf.js"),
    ("protobuf.*", VENDORED, "protobuf.js builds (protobuf.min.js, …)"),
    ("protobuf-library*", VENDORED, "protobuf.js (the Egret and Laya protobuf library)"),
    ("weapp-adapter*", VENDORED, "WeChat's mini-game adapter"),
    ("symbol", VENDORED, "the Symbol polyfill of WeChat's adapter", "weapp-adapter.js"),
    ("polyfill*", VENDORED, "polyfills (polyfill.js, polyfills.bundle.js, …)"),
    ("core-js*", VENDORED, "core-js polyfills"),
    ("core-js/", VENDORED, "core-js polyfills"),
    ("regenerator*", VENDORED, "regenerator runtime"),
    ("regenerator-runtime/", VENDORED, "regenerator runtime"),
    ("libs/", VENDORED, "libraries (Laya bin/libs/, Egret libs/modules/, WeChat js/libs/)"),
    ("vendor/", VENDORED, "third-party code"),
    # Cocos Creator's editor caches: the scripts of assets/, compiled again by the editor
    ("temp/quick-scripts/", GENERATED, "Cocos Creator 2 compile cache"),
    ("temp/programming/", GENERATED, "Cocos Creator 3 compile cache"),
    ("library/imports/", GENERATED, "Cocos Creator's imported-asset cache"),
    ("*.min", MINIFIED, "minified by name"),
    ("*-min", MINIFIED, "minified by name"),
)

JS_SUFFIXES = (".js", ".mjs", ".cjs")
DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
# The TypeScript sources a JavaScript file is compiled from, by suffix.
TS_SOURCES = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
TS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts")

FOLDERS = {p[:-1]: p for p, kind, *_ in NAMED if p.endswith("/")}
FOLDER_KINDS = {p: kind for p, kind, *_ in NAMED if p.endswith("/")}
_FILE_PATTERNS = [row for row in NAMED if not row[0].endswith("/")]


def _file_regex(patterns: Iterable[str]) -> str:
    # The table's globs use `*` alone; a file name is the pattern and a JavaScript extension.
    return "(?:" + "|".join(re.escape(p).replace(r"\*", ".*") for p in patterns) + r")\.[mc]?js\Z"


# One regex for the whole table, a named group per kind (the first kind in the table wins): every
# planned file is matched, and one regex beats a loop of str tests; then the names that need a
# sibling file (written out: no globs there).
_BY_NAME = re.compile("|".join(
    f"(?P<{kind}>{_file_regex(r[0] for r in _FILE_PATTERNS if r[1] == kind and len(r) == 3)})"
    for kind in dict.fromkeys(r[1] for r in _FILE_PATTERNS)))
_WITH_SIBLING = {r[0] + suffix: (r[1], r[3]) for r in _FILE_PATTERNS if len(r) > 3 for suffix in JS_SUFFIXES}


class Skipped(NamedTuple):
    """One file the default selection left out: where, which kind, and what to show for it in the
    note (the table's folder or the file's name for vendored code, the path for the rest)."""

    path: str
    kind: str
    shown: str


def by_name(lowered: str, siblings=None) -> str | None:
    """The kind a file's name (in lower case) alone gives it. `siblings` answers `name in siblings` for
    the other files of its folder."""
    found = _BY_NAME.match(lowered)
    if found:
        return found.lastgroup
    beside = _WITH_SIBLING.get(lowered)
    return beside[0] if beside and siblings is not None and beside[1] in siblings else None


def vendored_folder(rel_dir: str) -> str | None:
    """The table's folder (`libs/`, `temp/quick-scripts/`) that a folder path, relative to where the
    project's own folders begin, lies in; None when it is the game's own."""
    segments = rel_dir.lower().split("/")
    for i, segment in enumerate(segments):
        if segment in FOLDERS:
            return FOLDERS[segment]
        if i + 1 < len(segments) and f"{segment}/{segments[i + 1]}" in FOLDERS:
            return FOLDERS[f"{segment}/{segments[i + 1]}"]
    return None


def ts_sources(name: str) -> tuple[str, ...]:
    """The names of the TypeScript files that `name` would be compiled from, beside it."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return ()
    return tuple(stem + source for source in TS_SOURCES.get("." + suffix.lower(), ()))


def has_ts_sources(names: Iterable[str]) -> bool:
    """Whether a folder's files include TypeScript that compiles to JavaScript (not only `.d.ts`)."""
    return any(n.lower().endswith(TS_EXTENSIONS) and not n.lower().endswith(DECLARATION_SUFFIXES) for n in names)


# ---------------------------------------------------------------------------- per project


class ProjectSelection:
    """What a project's own files say about its files: tsconfig's outDir and packOptions.ignore."""

    def __init__(self, root: Path) -> None:
        self.out_dir = _ts_out_dir(root)
        self.pack_base, self.pack_ignore = _pack_ignore(root)

    def __bool__(self) -> bool:
        return bool(self.out_dir or self.pack_ignore)

    def by_path(self, rel: str, name: str) -> str | None:
        """COMPILED or UNPACKAGED for a file at `rel` (relative to the root, `/`-separated)."""
        if self.pack_ignore and _pack_ignored(_below(rel, self.pack_base), name, self.pack_ignore):
            return UNPACKAGED
        if self.out_dir and rel.startswith(self.out_dir) and name.lower().endswith(tuple(TS_SOURCES)):
            return COMPILED
        return None


def _below(rel: str, base: str) -> str | None:
    if not base:
        return rel
    return rel[len(base):] if rel.lower().startswith(base.lower()) else None


def _read_jsonc(path: Path) -> dict | None:
    """A JSON object written as tsconfig.json may be: with comments and trailing commas. None when
    missing or unreadable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    keep_strings = lambda m: m.group(1) or ""  # noqa: E731
    text = re.sub(r'("(?:[^"\\\n]|\\.)*")|//[^\n]*|/\*[\s\S]*?\*/', keep_strings, text)
    text = re.sub(r'("(?:[^"\\\n]|\\.)*")|,(?=\s*[\]}])', keep_strings, text)
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _ts_out_dir(root: Path) -> str:
    """The root's tsconfig.json `compilerOptions.outDir` (following relative `extends`), relative to
    the root with a trailing `/`; "" when there is none, or it is the root itself or outside it (then
    only the `.ts` twin beside a file tells)."""
    config, seen = root / "tsconfig.json", set()
    while config not in seen and len(seen) < 8:
        seen.add(config)
        data = _read_jsonc(config)
        if data is None:
            return ""
        options = data.get("compilerOptions")
        out_dir = options.get("outDir") if isinstance(options, dict) else None
        if isinstance(out_dir, str) and out_dir.strip():
            rel = os.path.relpath(os.path.normpath(config.parent / out_dir.strip()), root).replace(os.sep, "/")
            return "" if rel in (".", "..") or rel.startswith("../") else rel + "/"
        parent = data.get("extends")
        if not (isinstance(parent, str) and parent.startswith(".")):
            return ""  # a package's base config (`@tsconfig/…`) says nothing about this project's output
        config = (config.parent / parent).resolve()
        if config.suffix != ".json":
            config = config.with_name(config.name + ".json")
    return ""


PACK_TYPES = ("file", "folder", "suffix", "prefix", "regexp", "glob")


def _pack_ignore(root: Path) -> tuple[str, tuple[tuple[str, object], ...]]:
    """(where paths are relative to — `miniprogramRoot`, else the root —, the usable rules) of
    project.config.json `packOptions.ignore`: WeChat's `[{"type": …, "value": …}]`, case-insensitive."""
    data = read_json_object(root / PROJECT_CONFIG)
    options = data.get("packOptions") if data else None
    rules = options.get("ignore") if isinstance(options, dict) else None
    if not isinstance(rules, list):
        return "", ()
    base = data.get("miniprogramRoot")
    base = _clean(base) + "/" if isinstance(base, str) and _clean(base) else ""
    usable: list[tuple[str, object]] = []
    for rule in rules:
        if not isinstance(rule, dict):
            continue
        kind, value = str(rule.get("type", "")).lower(), rule.get("value")
        if kind not in PACK_TYPES or not isinstance(value, str) or not value.strip():
            continue
        if kind == "regexp":
            try:
                usable.append((kind, re.compile(value, re.IGNORECASE)))
            except re.error:
                continue  # the platform's tool would refuse it; validate is where to say so
        elif kind == "glob":
            usable.append((kind, _glob(_clean(value))))
        elif kind in ("file", "folder"):
            usable.append((kind, _clean(value).lower()))
        else:
            usable.append((kind, value.lower()))
    return base, tuple(usable)


def _clean(path: str) -> str:
    path = path.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path.strip("/")


def _glob(pattern: str) -> re.Pattern:
    """A glob as WeChat's tool reads one: `**` spans folders, `*` and `?` stay inside one; a pattern
    without `/` may match the file name alone."""
    parts, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    body = "".join(parts)
    return re.compile(("(?:.*/)?" if "/" not in pattern else "") + body + r"\Z", re.IGNORECASE)


def _pack_ignored(rel: str | None, name: str, rules) -> bool:
    lowered_name = name.lower()
    lowered = rel.lower() if rel is not None else None
    for kind, value in rules:
        if kind == "suffix" and lowered_name.endswith(value):
            return True
        if kind == "prefix" and lowered_name.startswith(value):
            return True
        if lowered is None:  # outside miniprogramRoot: not in the package's paths at all
            continue
        if kind == "file" and lowered == value:
            return True
        if kind == "folder" and lowered.startswith(value + "/"):
            return True
        if kind in ("regexp", "glob") and (value.search(rel) if kind == "regexp" else value.match(rel)):
            return True
    return False


# ---------------------------------------------------------------------------- by content

HEAD_BYTES = 64 * 1024  # the most any file costs to judge, whatever its size
HEADER_LINES = 10  # a generated file says so within its first lines
MIN_CODE = 1_000  # chars of code (outside string literals) in the head; less is not worth skipping
MIN_AVG_LINE = 200  # chars of code per line on average: hand-written code has 30-60, minified 700+
MAX_BLANK = 0.10  # spaces and tabs per char of code: minified code has under 0.04, hand-written 0.12+
MIN_DENSE = 0.02  # `(`, `;` and `=` per char of code: minified code has 0.025-0.11, a table of data ~0


COMPILED_HEAD = 4096  # TypeScript's helpers and Laya's release header come first


@functools.cache
def _compiled_head() -> re.Pattern:
    """tsc's emit helpers (`var __extends = (this && this.__extends) || …`, Egret's `__reflect`) and
    LayaAir 1's release build (`var Laya = window.Laya = …`: the engine, then the game's compiled code)."""
    helpers = b"extends|awaiter|generator|decorate|assign|reflect|metadata|param|spreadArray|values|read|" \
              b"importDefault|importStar|createBinding|exportStar|setModuleDefault|rest|makeTemplateObject"
    return re.compile(rb"(?:^|[;\s])var\s+__(?:" + helpers + rb")\s*=\s*\(?\s*this\s*&&\s*this\.__|"
                      rb"(?:^|[;\s])var\s+Laya\s*=\s*window\.Laya\s*=")


def compiled_by_map(map_head: bytes) -> bool:
    """Whether a source map (its first bytes) names TypeScript sources: its JavaScript is compiled."""
    return re.search(rb'"sources"\s*:\s*\[[^\]]*?\.tsx?"', map_head) is not None


@functools.cache
def _content_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a comment that starts a line, what says "generated", a string or template literal), compiled
    on first use: a warm run judges no content, and the last takes milliseconds to compile."""
    return (re.compile(rb"^[ \t]*(?://[^\n]*|/\*[\s\S]*?(?:\*/|\Z))", re.MULTILINE),
            re.compile(rb"@generated\b|\bgenerated\s+(?:file|code|by)\b|\bauto-?generated\b|"
                       rb"\bautomatically\s+generated\b|\bdo\s+not\s+(?:edit|modify)\b", re.IGNORECASE),
            # Also a literal the head cuts off (it runs to the end of its line). No match can fail once
            # begun (`\\[\s\S]?` takes a backslash the head cut from what it escapes), so there is no
            # backtracking: linear in the head's length whatever its quotes.
            re.compile(rb'"(?:[^"\\\n]|\\[\s\S]?)*(?:"|$)|\'(?:[^\'\\\n]|\\[\s\S]?)*(?:\'|$)|'
                       rb'`(?:[^`\\]|\\[\s\S]?)*(?:`|\Z)', re.MULTILINE))


def content_kind(source: bytes) -> str | None:
    """GENERATED, MINIFIED, COMPILED or None, from the first HEAD_BYTES of a file. COMPILED (TypeScript's
    emit helpers, a LayaAir release build) counts only where the run has TypeScript sources."""
    header_comment, generated, string = _content_patterns()
    head = source[:HEAD_BYTES]
    if b"\0" in head:
        return None  # not text: analysed, and reported as a file the platform cannot load (TTM002)
    top = b"\n".join(head.split(b"\n", HEADER_LINES)[:HEADER_LINES])
    if any(generated.search(m.group()) for m in header_comment.finditer(top)):
        return GENERATED
    compiled = COMPILED if _compiled_head().search(head[:COMPILED_HEAD]) else None
    if len(head) < MIN_CODE or len(head) < MIN_AVG_LINE * (head.count(b"\n") + 1):
        return compiled  # most files stop here: short lines on average
    # A long line that is one string (a data-URL image, a base64 sound) is not minified code.
    code = string.sub(b"", head)
    lines = code.count(b"\n") + 1
    chars = len(code) - (lines - 1)
    if chars < MIN_CODE or chars < MIN_AVG_LINE * lines:
        return compiled
    blank = code.count(b" ") + code.count(b"\t")
    # A table of numbers and keys on one line (level data, exported from an editor) is data, not
    # code: it is linted, which costs a parse and cannot give a false finding.
    dense = code.count(b"(") + code.count(b";") + code.count(b"=")
    return MINIFIED if blank <= MAX_BLANK * chars and dense >= MIN_DENSE * chars else compiled


# ---------------------------------------------------------------------------- the note

EXAMPLES = 2  # shown per kind


def note(skipped: Iterable[Skipped], *, forced: bool = False) -> str | None:
    """The one line that says what was skipped and how to lint it; None when nothing was. `forced`:
    --force-exclude skipped files that were named, so naming them is no way in."""
    by_kind: dict[str, list[Skipped]] = {}
    for item in skipped:
        by_kind.setdefault(item.kind, []).append(item)
    if not by_kind:
        return None
    total = sum(map(len, by_kind.values()))
    parts = []
    for kind, label in KIND_LABELS.items():
        items = by_kind.get(kind)
        if not items:
            continue
        counts: dict[str, int] = {}
        for i in items:
            counts[i.shown] = counts.get(i.shown, 0) + 1
        shown = sorted(counts, key=lambda k: -counts[k])  # what hides the most files first, then walk order
        examples = ", ".join(shown[:EXAMPLES]) + (", …" if len(shown) > EXAMPLES else "")
        parts.append(f"{len(items)} {label} ({examples})")
    them = "them" if total > 1 else "it"
    how = "with --include-vendored" + ("" if forced else f" or by naming {them}")
    return f"skipped {total} file{'s' if total > 1 else ''}: {', '.join(parts)}; lint {them} {how}"
