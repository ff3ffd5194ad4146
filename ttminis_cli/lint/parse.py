"""Tree-sitter plumbing: grammars, parsers and compiled queries (each built once, lazily), and small
helpers over nodes. Everything here iterates; nothing recurses, so 5,000-deep nesting is harmless.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

# tree_sitter is imported where a parse or a query needs it: a warm cached run never does.
if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Query, Tree


@lru_cache(maxsize=None)
def language(lang: str) -> Language:
    from tree_sitter import Language

    if lang == "js":
        import tree_sitter_javascript as grammar

        return Language(grammar.language())
    import tree_sitter_typescript as grammar

    return Language(grammar.language_tsx() if lang == "tsx" else grammar.language_typescript())


@lru_cache(maxsize=None)
def _parser(lang: str) -> Parser:
    from tree_sitter import Parser

    return Parser(language(lang))


def parse(lang: str, source: bytes) -> Tree:
    return _parser(lang).parse(source)


@lru_cache(maxsize=512)
def query(lang: str, text: str) -> Query:
    """A compiled query; the cache makes every distinct (language, text) compile once per process."""
    from tree_sitter import Query

    return Query(language(lang), text)


def captures(lang: str, text: str, node: Node) -> dict[str, list[Node]]:
    import tree_sitter

    return tree_sitter.QueryCursor(query(lang, text)).captures(node)


def matches(lang: str, text: str, node: Node) -> list[tuple[int, dict[str, list[Node]]]]:
    import tree_sitter

    return tree_sitter.QueryCursor(query(lang, text)).matches(node)


def quote_names(names) -> str:
    """Names as the string arguments of an `#any-of?` predicate."""
    return " ".join('"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"' for n in sorted(names))


def text(node: Node | None) -> str:
    if node is None:
        return ""
    return node.text.decode("utf-8", "replace") if node.text is not None else ""


def unwrap(node: Node | None) -> Node | None:
    """Strip parentheses and TypeScript-only wrappers: `(x)`, `x as T`, `x!`, `<T>x`, `x satisfies T`."""
    while node is not None and node.type in WRAPPERS:
        node = node.named_children[0] if node.named_children else None
    return node


WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "non_null_expression",
                       "satisfies_expression", "type_assertion"})

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def string_value(node: Node | None) -> str | None:
    """The value of a string literal (or a template string without substitutions), else None."""
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string":
        parts = []
        for child in node.named_children:
            if child.type == "string_fragment":
                parts.append(text(child))
            elif child.type == "escape_sequence":
                parts.append(_unescape(text(child)))
        return "".join(parts)
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        raw = text(node)[1:-1]
        return raw
    return None


def _unescape(seq: str) -> str:
    body = seq[1:]
    if body[:1] in ("u", "x"):
        digits = body[1:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return body
    if body[:1] in ("\n", "\r"):  # line continuation
        return ""
    return _ESCAPES.get(body, body)


def literal_kind(node: Node | None) -> str | None:
    """The JavaScript type of a literal: string, number, boolean, array, object, function, null, or None."""
    node = unwrap(node)
    if node is None:
        return None
    kind = _LITERAL_KINDS.get(node.type)
    if kind == "string" and node.type == "template_string" and string_value(node) is None:
        return "string"
    if node.type == "unary_expression" and node.named_children and node.named_children[0].type == "number":
        return "number"
    return kind


_LITERAL_KINDS = {"string": "string", "template_string": "string", "number": "number", "true": "boolean",
                  "false": "boolean", "array": "array", "object": "object", "arrow_function": "function",
                  "function_expression": "function", "function": "function", "null": "null",
                  "class": "class", "new_expression": "instance"}


def object_pairs(node: Node | None) -> Iterator[tuple[str, Node, Node]]:
    """(key, key node, value node) of an object literal's plain properties, methods and shorthands."""
    node = unwrap(node)
    if node is None or node.type != "object":
        return
    for child in node.named_children:
        if child.type == "pair":
            key_node = child.child_by_field_name("key")
            value = child.child_by_field_name("value")
            key = property_key(key_node)
            if key is not None and value is not None:
                yield key, key_node, value
        elif child.type == "shorthand_property_identifier":
            yield text(child), child, child
        elif child.type == "method_definition":
            key_node = child.child_by_field_name("name")
            key = property_key(key_node)
            if key is not None:
                yield key, key_node, child


def property_key(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type in ("property_identifier", "identifier", "private_property_identifier"):
        return text(node)
    if node.type == "number":
        return text(node)
    return string_value(node)


def has_spread(node: Node | None) -> bool:
    node = unwrap(node)
    return node is not None and any(c.type == "spread_element" for c in node.named_children)


def first_argument(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    if args is None:
        return None
    for child in args.named_children:
        if child.type != "comment":
            return child
    return None


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node` (itself included), in document order, without recursion."""
    cursor = node.walk()
    depth = 0
    while True:
        yield cursor.node
        if cursor.goto_first_child():
            depth += 1
            continue
        while depth > 0:
            if cursor.goto_next_sibling():
                break
            cursor.goto_parent()
            depth -= 1
        if depth == 0:
            return


def ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def contains(outer: Node, inner: Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node, found by descending only into subtrees that hold one."""
    if not root.has_error:
        return None
    node = root
    while True:
        if node.is_error or node.is_missing:
            return node
        nxt = None
        for child in node.children:
            if child.is_error or child.is_missing or child.has_error:
                nxt = child
                break
        if nxt is None:
            return node
        node = nxt
