"""The code changes rules offer as fixes (DESIGN §10), built from the tree: a key renamed, a literal
rewritten, a statement wrapped in a guard, a value held in a const. lint/fixes.py applies them.

Every helper answers None where it cannot be sure of the shape; the rule then offers no fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import Edit

if TYPE_CHECKING:
    from tree_sitter import Node

    from ttminis_cli.lint.model import FileModel

# A number literal whose text is what String() makes of it: quoting it keeps the value.
DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                        "method_definition", "generator_function_declaration", "generator_function",
                        "class_body"})
# Where a statement may be wrapped, or have a const put before it, without changing what else runs.
_STATEMENT_LISTS = frozenset({"statement_block", "program", "switch_case", "switch_default"})


_BLANKS = re.compile(rb"[ \t]*")


def js_string(text: str, quote: str = "'") -> str:
    """`text` as a JavaScript string literal in these quotes."""
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n") + quote


def string_literal(model: FileModel, text: str) -> str:
    """`text` as a string literal in the quotes the file uses most (counted once per file: a bundle's
    sixty thousand fixes must not count them sixty thousand times)."""
    quote = model.memo.get("quote")
    if quote is None:
        quote = model.memo["quote"] = '"' if model.source.count(b'"') > model.source.count(b"'") else "'"
    if text.isalnum():  # nothing to escape (a number's or a boolean's text, the common fix): quoted as it is
        return quote + text + quote
    return js_string(text, quote)


def number_value(text: str) -> float | None:
    """The value of a JavaScript number literal's text (`1.0`, `0x1`, `1e0`, `1_000`), else None."""
    text = text.replace("_", "").strip()
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            return float(int(text, 0))
        return float(text)
    except ValueError:
        return None


def pure(node: Node | None) -> bool:
    """An expression that evaluating twice, or earlier, cannot change: a name, a property path of
    names, `this`, a literal without substitutions."""
    node = P.unwrap(node)
    while node is not None and node.type == "member_expression" and not _optional(node) \
            and node.child_by_field_name("property") is not None \
            and node.child_by_field_name("property").type == "property_identifier":
        node = P.unwrap(node.child_by_field_name("object"))
    if node is None:
        return False
    if node.type in ("identifier", "this", "number", "true", "false", "null", "undefined", "string"):
        return True
    return node.type == "template_string" and P.string_value(node) is not None


def harmless(node: Node | None) -> bool:
    """A value whose evaluation has no effect: pure, or a function."""
    unwrapped = P.unwrap(node)
    return pure(unwrapped) or (unwrapped is not None and unwrapped.type in (
        "arrow_function", "function_expression", "function", "method_definition"))


def _optional(member: Node) -> bool:
    return any(c.type in ("optional_chain", "?.") for c in member.children)


def rename_key(model: FileModel, key_node: Node, new: str) -> Edit:
    """Rename an object literal key; a shorthand `{ openId }` becomes `openid: openId`."""
    if key_node.type == "shorthand_property_identifier":
        return model.replace(key_node, f"{new}: {P.text(key_node)}")
    return model.replace(key_node, new if _IDENTIFIER.fullmatch(new) else string_literal(model, new))


def fresh_name(model: FileModel, base: str) -> str:
    """`base`, or `base2`, `base3`…: a name that occurs nowhere in the file."""
    n = 1
    while True:
        name = base if n == 1 else f"{base}{n}"
        if not re.search(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])", model.source):
            return name
        n += 1


def statement_of(call: Node) -> Node | None:
    """The expression statement whose expression is this call (maybe awaited, maybe a `.then` chain
    on it), when it stands in a list of statements; None otherwise (a declaration, a condition, the
    single statement of an `if`, a call inside a callback of the statement)."""
    n = call
    p = P.parent(n)
    while p is not None and p.type != "expression_statement":
        if p.type in _FUNCTIONS or p.type.endswith(("_statement", "_declaration")) or p.type in (
                "variable_declarator", "lexical_declaration", "arguments", "ternary_expression",
                "binary_expression", "assignment_expression", "pair", "array", "object"):
            return None
        n, p = p, P.parent(p)
    if p is None or P.parent(p) is None or P.parent(p).type not in _STATEMENT_LISTS:
        return None
    return p


def block_scoped(model: FileModel, statement: Node) -> bool:
    """Whether a const put before the statement is local: it stands in a block, or at the top of a
    module (a classic script's top-level consts are shared with every other script of the page)."""
    parent = P.parent(statement)
    if parent is None:
        return False
    if parent.type == "statement_block":
        return True
    return parent.type == "program" and any(
        c.type in ("import_statement", "export_statement") for c in parent.named_children)


def line_indent(model: FileModel, node: Node) -> str | None:
    """The whitespace before a node on its line; None when code precedes it there."""
    start = node.start_byte - node.start_point[1]  # the line's first byte: no search back through a long line
    if not _BLANKS.fullmatch(model.source, start, node.start_byte):
        return None
    return model.source[start:node.start_byte].decode("utf-8", "replace")


def indent_unit(model: FileModel, indent: str) -> str:
    """One level of indentation as the file writes it."""
    if "\t" in indent:
        return "\t"
    unit = model.memo.get("indent")
    if unit is None:
        four = re.search(rb"\n    [^ \t\r\n]", model.source) and not re.search(rb"\n  [^ \t\r\n]", model.source)
        unit = model.memo["indent"] = "    " if four else "  "
    return unit


def _spans_lines(node: Node) -> bool:
    """Whether a string or template in it spans lines (re-indenting would change its text)."""
    for n in P.walk(node):
        if n.type in ("template_string", "string") and n.start_point[0] != n.end_point[0]:
            return True
    return False


def wrap_in_if(model: FileModel, statement: Node, condition: str) -> tuple[Edit, ...]:
    """`if (condition) { statement }`, the statement indented one level more where that changes no
    string's text. Insertions only: the statement's own text, and any finding in it, stay."""
    indent = line_indent(model, statement)
    start, end = statement.start_byte, statement.end_byte
    if indent is None:
        return model.insert(start, f"if ({condition}) {{ "), model.insert(end, " }")
    unit = indent_unit(model, indent)
    edits = [model.insert(start, f"if ({condition}) {{\n{indent}{unit}")]
    if not _spans_lines(statement):
        source = model.source
        at = source.find(b"\n", start, end)
        while at >= 0:
            if source[at + 1:at + 2] not in (b"\n", b"\r"):  # no trailing blanks on an empty line
                edits.append(model.insert(at + 1, unit))
            at = source.find(b"\n", at + 1, end)
    edits.append(model.insert(end, f"\n{indent}}}"))
    return tuple(edits)
