"""ES module syntax to CommonJS, as WeChat's and Douyin's dev tools compile it before a game runs.

Ported games write `import Main from './js/main'` and `export default class …`; the platform loads
CommonJS. The simulator's loader (static/shim.js) runs every file as a CommonJS module, so files
with `import`/`export` are rewritten here first:

- `import x, { a as b } from 'm'` becomes `var` bindings read once from `require('m')` (not live
  bindings: a module that reassigns an exported `let` later is not seen by its importers);
- named exports become getters on `exports`, defined on the first line, so they are live and
  circular imports see them; `export default <expression>` is assigned where it stands;
- `import('m')` becomes a promise of the module's namespace.

Every statement keeps its line, so stack traces and lint findings name the same lines.
"""

from __future__ import annotations

import json
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

# Helpers the loader passes to every module as `__ttm` (static/shim.js, `helpers`).
HELPERS = "__ttm"
# What module syntax looks like before parsing: a statement starting with import/export, or import(.
# A file without it (an engine bundle, a CommonJS module) is served as it is, unparsed.
_MAYBE_MODULE = re.compile(r"(?:^|[;{}\n])[ \t]*(?:import|export)\b|\bimport\s*\(")
_DYNAMIC_IMPORT = "(call_expression function: (import) @callee)"


_local = threading.local()  # a tree-sitter parser is not for two threads at once


def _parser() -> Parser:
    if not hasattr(_local, "parser"):
        import tree_sitter_javascript
        from tree_sitter import Language, Parser

        _local.parser = Parser(Language(tree_sitter_javascript.language()))
    return _local.parser


def to_commonjs(source: str) -> str:
    """`source` with its ES module syntax rewritten to CommonJS; unchanged when it has none."""
    if not _MAYBE_MODULE.search(source):
        return source
    data = source.encode("utf-8")
    tree = _parser().parse(data)
    rewriter = _Rewriter(data)
    for node in tree.root_node.children:
        if node.type == "import_statement":
            rewriter.import_statement(node)
        elif node.type == "export_statement":
            rewriter.export_statement(node)
    rewriter.dynamic_imports(tree.root_node)
    return rewriter.result()


def _string(node: Node | None) -> str:
    """The value of a string literal node (module specifiers have no escapes worth decoding)."""
    text = node.text.decode("utf-8") if node is not None and node.text else "''"
    return text[1:-1]


def _name(node: Node | None) -> str:
    return node.text.decode("utf-8") if node is not None and node.text else ""


def _pattern_names(node: Node) -> list[str]:
    """The identifiers a declarator's name binds: `a`, `{ a, b: [c] }`, `[d = 1, ...e]`."""
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [_name(node)]
    if node.type == "pair_pattern":
        return _pattern_names(node.child_by_field_name("value"))
    if node.type in ("assignment_pattern", "object_assignment_pattern"):
        return _pattern_names(node.child_by_field_name("left"))
    names: list[str] = []
    for child in node.named_children:
        if node.type in ("object_pattern", "array_pattern", "rest_pattern"):
            names.extend(_pattern_names(child))
    return names


class _Rewriter:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.edits: list[tuple[int, int, str]] = []  # (start byte, end byte, replacement)
        self.getters: list[tuple[str, str]] = []  # (exported name, expression)
        self.is_module = False
        self.count = 0

    def _temp(self) -> str:
        self.count += 1
        return f"__ttm_m{self.count}"

    def _replace(self, node: Node, text: str) -> None:
        """Replace a whole statement, keeping its line count."""
        newlines = self.data[node.start_byte:node.end_byte].count(b"\n")
        self.edits.append((node.start_byte, node.end_byte, text + "\n" * newlines))

    def _require(self, spec: str) -> str:
        return f"require({json.dumps(spec)})"

    def import_statement(self, node: Node) -> None:
        self.is_module = True
        spec = _string(node.child_by_field_name("source"))
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            self._replace(node, self._require(spec) + ";")
            return
        temp = self._temp()
        bindings = [f"{temp} = {self._require(spec)}"]
        for part in clause.named_children:
            if part.type == "identifier":
                bindings.append(f"{_name(part)} = {HELPERS}.d({temp})")
            elif part.type == "namespace_import":
                local = next(c for c in part.named_children if c.type == "identifier")
                bindings.append(f"{_name(local)} = {HELPERS}.ns({temp})")
            elif part.type == "named_imports":
                for spec_node in part.named_children:
                    if spec_node.type != "import_specifier":
                        continue
                    imported = _name(spec_node.child_by_field_name("name"))
                    local = _name(spec_node.child_by_field_name("alias")) or imported
                    key = json.dumps(imported.strip("'\""))
                    value = f"{HELPERS}.d({temp})" if imported == "default" else f"{temp}[{key}]"
                    bindings.append(f"{local} = {value}")
        self._replace(node, "var " + ", ".join(bindings) + ";")

    def export_statement(self, node: Node) -> None:
        self.is_module = True
        source = node.child_by_field_name("source")
        declaration = node.child_by_field_name("declaration")
        value = node.child_by_field_name("value")
        is_default = any(c.type == "default" for c in node.children)
        if source is not None:
            self._re_export(node, _string(source))
        elif declaration is not None:
            names = self._declared(declaration)
            for name in names:
                self.getters.append(("default" if is_default else name, name))
            if is_default and not names:  # `export default function () {}` parsed as a declaration
                self.edits.append((node.start_byte, declaration.start_byte, "exports.default = "))
            else:
                self.edits.append((node.start_byte, declaration.start_byte, ""))
        elif value is not None:
            self.edits.append((node.start_byte, value.start_byte, "exports.default = "))
        else:
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            for spec_node in clause.named_children if clause is not None else ():
                if spec_node.type == "export_specifier":
                    local = _name(spec_node.child_by_field_name("name"))
                    exported = _name(spec_node.child_by_field_name("alias")) or local
                    self.getters.append((exported.strip("'\""), local))
            self._replace(node, "")

    def _declared(self, declaration: Node) -> list[str]:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            return [name for d in declaration.named_children if d.type == "variable_declarator"
                    for name in _pattern_names(d.child_by_field_name("name"))]
        name = declaration.child_by_field_name("name")
        return [_name(name)] if name is not None else []

    def _re_export(self, node: Node, spec: str) -> None:
        temp = self._temp()
        statements = [f"var {temp} = {self._require(spec)};"]
        namespace = next((c for c in node.named_children if c.type == "namespace_export"), None)
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if namespace is not None:
            local = next(c for c in namespace.named_children if c.type in ("identifier", "string"))
            exported = json.dumps(_name(local).strip("'\""))
            statements.append(f"{HELPERS}.get(exports, {exported}, function () {{ return {HELPERS}.ns({temp}); }});")
        elif clause is not None:
            for spec_node in clause.named_children:
                if spec_node.type != "export_specifier":
                    continue
                imported = _name(spec_node.child_by_field_name("name"))
                exported = _name(spec_node.child_by_field_name("alias")) or imported
                read = f"{HELPERS}.d({temp})" if imported == "default" else f"{temp}[{json.dumps(imported)}]"
                statements.append(f"{HELPERS}.get(exports, {json.dumps(exported)}, function () {{ return {read}; }});")
        else:
            statements.append(f"{HELPERS}.star(exports, {temp});")
        self._replace(node, " ".join(statements))

    def dynamic_imports(self, root: Node) -> None:
        """`import(x)` anywhere: the callee becomes the loader's helper (arguments stay as written)."""
        from tree_sitter import Query, QueryCursor

        query = Query(_parser().language, _DYNAMIC_IMPORT)
        for callee in QueryCursor(query).captures(root).get("callee", []):
            self.edits.append((callee.start_byte, callee.end_byte, f"{HELPERS}.load"))

    def result(self) -> str:
        if not self.edits:
            return self.data.decode("utf-8")
        head = ""
        if self.is_module:
            head = '"use strict"; Object.defineProperty(exports, "__esModule", { value: true }); ' + "".join(
                f"{HELPERS}.get(exports, {json.dumps(name)}, function () {{ return {expr}; }}); "
                for name, expr in self.getters)
        out, last = [], 0
        for start, end, text in sorted(self.edits):
            out.append(self.data[last:start].decode("utf-8"))
            out.append(text)
            last = end
        out.append(self.data[last:].decode("utf-8"))
        return head + "".join(out)
