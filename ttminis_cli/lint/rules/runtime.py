"""Runtime rules: TTM501 (dynamic code, every runtime) and TTM502–504 (HTML runtime only), from the
platform's "Development Stage" restrictions (platform.md "Runtime restrictions")."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import RuleInfo, Severity
from ttminis_cli.lint.model import FileModel

if TYPE_CHECKING:
    from tree_sitter import Node

TTM501 = RuleInfo(
    code="TTM501", name="dynamic-code", severity=Severity.ERROR,
    summary="`eval(…)`, `new Function(…)`, or setTimeout/setInterval with a string.",
    why="The platform's runtimes refuse dynamic code (TikTok's HTML runtime, and WeChat and Douyin mini "
        "games generally); the call throws on the device while it works in a desktop browser.",
    bad="const total = eval('1 + 2');\n",
    good="const total = 1 + 2;\n",
    fix="Write the code out, or look functions up in a table instead of building them from strings; "
        "pass setTimeout a function.",
)
TTM502 = RuleInfo(
    code="TTM502", name="external-resource", severity=Severity.ERROR,
    summary="A <script src> / <link rel=stylesheet href> in the game's HTML, or a script element created "
            "in code, that loads from outside the package (fonts excepted).",
    why="HTML-runtime games may load scripts and styles only from their own package; the platform "
        "blocks anything else.",
    bad="const script = document.createElement('script');\nscript.src = 'https://cdn.example.com/lib.js';\n"
        "document.body.appendChild(script);\n",
    good="const script = document.createElement('script');\nscript.src = 'js/lib.js';\n"
         "document.body.appendChild(script);\n",
    fix="Copy the library into the package and load it by a relative path.",
    html_only=True,
)
TTM503 = RuleInfo(
    code="TTM503", name="iframe", severity=Severity.ERROR,
    summary="An <iframe> in the game's HTML or one created in code.",
    why="The HTML runtime forbids iframes.",
    bad="const frame = document.createElement('iframe');\nframe.src = 'help.html';\n",
    good="const panel = document.createElement('div');\npanel.textContent = 'Help';\n",
    fix="Render the content in the game itself.",
    html_only=True,
)
TTM504 = RuleInfo(
    code="TTM504", name="blocked-web-api", severity=Severity.WARNING,
    summary="navigator.clipboard, navigating through location, navigator.vibrate (use vibrateShort / "
            "vibrateLong).",
    why="The HTML runtime blocks these web APIs; the platform has its own for vibration.",
    bad="navigator.vibrate(200);\n",
    good="TTMinis.game.vibrateShort({\n  fail(err) { console.error(err); },\n});\n",
    fix="Use the platform's API (vibrateShort/vibrateLong); keep the player inside the game instead of "
        "navigating away; do not touch the clipboard.",
    html_only=True,
)

RULES = (TTM501, TTM502, TTM503, TTM504)

_NAVIGATION = frozenset({"assign:location", "assign:location.href", "call:location.assign",
                         "call:location.replace"})


def check_file(model: FileModel) -> None:
    for use in model.uses.web:
        what = use.what
        if what in ("call:eval", "call:Function", "new:Function"):
            if not _in_try(use.node):
                name = "eval" if what == "call:eval" else "the Function constructor"
                model.report(TTM501, use.at, f"{name} runs code built from a string, which the platform "
                                             "refuses; write the code out instead")
        elif what in ("call:setTimeout", "call:setInterval") and P.literal_kind(use.value) == "string":
            name = what.split(":")[1]
            model.report(TTM501, use.value, f"{name} with a string is dynamic code, which the platform "
                                            f"refuses; pass a function: {name}(() => {{ … }}, ms)")
    for call in model.uses.calls:
        if call.api in ("setTimeout", "setInterval") and P.literal_kind(P.first_argument(call.node)) == "string":
            model.report(TTM501, P.first_argument(call.node), f"{call.api} with a string is dynamic code, which "
                                                              "the platform refuses; pass a function")
    if model.ctx.html_runtime:
        _check_html_code(model)


def _in_try(node: Node) -> bool:
    """Inside a try block: a guarded fallback (bundled polyfills probe for `Function` this way)."""
    for p in P.ancestors(node):
        if p.type == "try_statement":
            return True
        if p.type in ("function_declaration", "method_definition", "program"):
            return False
    return False


def _check_html_code(model: FileModel) -> None:
    for use in model.uses.web:
        what = use.what
        if what == "call:document.createElement":
            tag = P.string_value(use.value)
            if tag and tag.lower() == "iframe":
                model.report(TTM503, use.at, "the HTML runtime forbids iframes; render the content in the game")
        elif what == "assign:script.src":
            _external_script(model, use.value)
        elif what == "read:navigator.clipboard":
            model.report(TTM504, use.at, "navigator.clipboard is blocked in the HTML runtime; do not rely on "
                                         "the clipboard")
        elif what == "call:navigator.vibrate":
            model.report(TTM504, use.at, "navigator.vibrate is blocked in the HTML runtime; use "
                                         "TTMinis.game.vibrateShort() or vibrateLong()")
        elif what in _NAVIGATION:
            model.report(TTM504, use.at, "navigating through location is blocked in the HTML runtime; keep the "
                                         "player inside the game")


def _external_script(model: FileModel, value: Node | None) -> None:
    url = _url_prefix(value)
    if url is not None and is_external(url) and not is_font(url):
        model.report(TTM502, value, f"this script loads from outside the package ({url}); the HTML runtime "
                                    "blocks it: copy it into the package and load it by a relative path")


def _url_prefix(value: Node | None) -> str | None:
    """The known start of a URL: a literal, a template's leading text, or the left of `'…' + x`."""
    node = P.unwrap(value)
    while node is not None and node.type == "binary_expression" and P.text(node.child_by_field_name("operator")) == "+":
        node = P.unwrap(node.child_by_field_name("left"))
    if node is not None and node.type == "template_string":
        head = next((c for c in node.named_children if c.type != "string_fragment"), None)
        return P.text(node)[1:(head.start_byte - node.start_byte) if head is not None else -1]
    return P.string_value(node)


def is_external(url: str) -> bool:
    url = url.strip().lower()
    return url.startswith(("http://", "https://", "//"))


def is_font(url: str) -> bool:
    lowered = url.strip().lower()
    host = lowered.split("//", 1)[1].split("/", 1)[0] if "//" in lowered else ""
    return "font" in host or lowered.split("?")[0].endswith((".woff", ".woff2", ".ttf", ".otf", ".eot"))


SDK_PATH = "/js/minis.js"


_JS_TYPES = ("", "text/javascript", "application/javascript", "module", "text/ecmascript")


@cache
def _html_scan() -> type:
    """The page scanner's class, built on first use: only HTML-runtime games load html.parser."""
    from html.parser import HTMLParser

    class HtmlScan(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[tuple[str, str, tuple[int, int]]] = []  # (kind, url, (line, col0))
            self.inline: list[tuple[tuple[int, int], str]] = []  # (position, code) of inline scripts
            self._in_script = False

        def handle_starttag(self, tag, attrs):
            values = {k.lower(): (v or "") for k, v in attrs}
            pos = self.getpos()
            if tag == "script":
                self._in_script = not values.get("src") and values.get("type", "").lower() in _JS_TYPES
            if tag == "script" and values.get("src"):
                self.found.append(("script", values["src"], pos))
            elif tag == "link" and "stylesheet" in values.get("rel", "").lower().split() and values.get("href"):
                self.found.append(("stylesheet", values["href"], pos))
            elif tag == "iframe":
                self.found.append(("iframe", values.get("src", ""), pos))

        def handle_endtag(self, tag):
            if tag == "script":
                self._in_script = False

        def handle_data(self, data):
            if self._in_script:
                self.inline.append((self.getpos(), data))

    return HtmlScan


def _scan(source: bytes):
    scan = _html_scan()()
    try:
        scan.feed(source.decode("utf-8", "replace"))
        scan.close()
    except Exception:  # html.parser gives up on some broken markup; keep what it saw
        pass
    return scan


def inline_scripts(source: bytes) -> bytes:
    """The page's inline JavaScript at its own lines and columns, everything else blanked out, so
    that findings in it point into the HTML file."""
    text = source.decode("utf-8", "replace")
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    out = [c if c == "\n" else " " for c in text]
    for (line, col), code in _scan(source).inline:
        at = starts[line - 1] + col
        out[at:at + len(code)] = code
    return "".join(out).encode("utf-8")


def check_html(model: FileModel) -> None:
    """TTM502/503 in the game's index.html (read with Python's html.parser)."""
    if not model.ctx.html_runtime:
        return
    for kind, url, (line, col) in _scan(model.source).found:
        span = (line, col + 1, line, col + 1)
        if kind == "iframe":
            model.report(TTM503, span, "the HTML runtime forbids iframes; render the content in the game")
        elif is_external(url) and not is_font(url) and not url.split("?")[0].endswith(SDK_PATH):
            what = "script" if kind == "script" else "stylesheet"
            model.report(TTM502, span, f"this {what} loads from outside the package ({url}); the HTML runtime "
                                       "blocks it: copy it into the package and load it by a relative path")
