"""Tree-sitter plumbing: grammars and parsers (each built once, lazily), finding words' nodes, and small
helpers over nodes. Everything here iterates; nothing recurses, so 5,000-deep nesting is harmless.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterator

# tree_sitter is imported where a parse or a query needs it: a warm cached run never does.
if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser, Tree, TreeCursor


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
    _parents.clear()  # the last tree's nodes only: see parent()
    return _parser(lang).parse(source)


class _Parents(dict):
    def __missing__(self, node: Node) -> Node | None:
        found = self[node] = node.parent
        return found


_parents = _Parents()

# parent(node): `node.parent`, looked up once per node. Tree-sitter finds a parent by descending from
# the root each time (2–4 µs in a big file), and the engine asks for the same few again and again: the
# occurrence's, its member's, its call's, for the call finder, the guards and every rule. A node keeps
# its tree alive, so a node of another tree never meets a stale entry; parse() forgets the last tree's.
# The dict's own lookup, called in C: a bundle asks it hundreds of thousands of times.
parent: Callable[[Node], Node | None] = _parents.__getitem__


def leaf_at(cursor: TreeCursor, root: Node, byte: int) -> Node:
    """The leaf at `byte` (or the first after it), by one descent of `cursor` from `root`; its nearest
    two ancestors are noted for parent() on the way back up. One descent rather than three: finding a
    node by its offset and then each parent descends from the root every time, and in a one-line bundle
    those descents are most of what placing a platform name costs. Two: `tt` → `tt.x` → `tt.x()`, as far
    as the call finder climbs from most of them (a noted node is memory kept till the next parse: a
    bundle has one per platform name)."""
    cursor.reset(root)
    while cursor.goto_first_child_for_byte(byte) is not None:
        pass
    leaf = cursor.node
    if cursor.goto_parent():  # unrolled: this runs per platform name of a bundle
        up = _parents[leaf] = cursor.node
        if cursor.goto_parent():
            _parents[up] = cursor.node
    return leaf


_WORD_EDGE = rb"[A-Za-z0-9_$\x80-\xff]"  # bytes that continue a JavaScript identifier (any non-ASCII)


@lru_cache(maxsize=256)
def word_regex(words: tuple[str, ...]):
    """A compiled pattern for whole-word occurrences of `words` in source bytes.

    The words are grouped by their common first bytes, which come before the check that no identifier
    byte precedes them: the engine then skips in C to where a group's prefix starts, and tries only that
    group's words there (a minified bundle follows hundreds of names, `a0` … `a19950`)."""
    groups: dict[bytes, list[bytes]] = {}
    for word in {w.encode() for w in words}:
        groups.setdefault(word[:1], []).append(word)
    alternatives = []
    for group in sorted(groups.values()):
        prefix = os.path.commonprefix(group)
        rests = b"|".join(re.escape(w[len(prefix):]) for w in sorted(group, key=len, reverse=True))
        alternatives.append(re.escape(prefix) + rb"(?<!" + _WORD_EDGE + re.escape(prefix) + rb")(?:" + rests + b")")
    return re.compile(b"(?:" + b"|".join(alternatives) + rb")(?!" + _WORD_EDGE + b")")


def word_nodes(root: Node, source: bytes, words, types, start: int = 0, end: int | None = None,
               limit: int | None = None) -> list[Node] | None:
    """The nodes of the given types that are exactly an occurrence of one of `words` (between byte
    offsets `start` and `end`), in document order.

    A search of the text, then a descent to each hit: cheaper by far than a query over every node of a
    big tree, and text in strings and comments never matches (its node is a string or a comment).
    With `limit`, None as soon as there are more occurrences than that: a caller that only wants a
    name of few uses does not pay for a minified bundle's `e`."""
    words = tuple(sorted(w for w in set(words) if w))
    end = len(source) if end is None else end
    if not words:
        return []
    if len(words) == 1 and len(words[0]) > 3:  # a short word is part of too many others: a regex skips them in C
        hits = _word_hits(source, words[0].encode(), start, end)
    else:
        hits = (m.span() for m in word_regex(words).finditer(source, start, end))
    out = []
    cursor = root.walk()
    for n, span in enumerate(hits):
        if limit is not None and n >= limit:
            return None
        # A descent that notes the parents too: what the callers ask of most of these nodes next.
        node = leaf_at(cursor, root, span[0])
        if node.type in types and node.byte_range == span:
            out.append(node)
    return out


def _word_hits(source: bytes, word: bytes, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Whole-word occurrences of one word: bytes.find runs at memchr speed, many times a regex's."""
    size = len(word)
    at = source.find(word, start, end)
    while at >= 0:
        after = at + size
        if (at == 0 or not _continues(source[at - 1])) and (after >= len(source) or not _continues(source[after])):
            yield at, after
        at = source.find(word, after, end)


def _continues(byte: int) -> bool:
    return byte >= 0x80 or byte == 0x24 or byte == 0x5F or 0x30 <= byte <= 0x39 or 0x41 <= byte <= 0x5A \
        or 0x61 <= byte <= 0x7A


def text(node: Node | None) -> str:
    if node is None:
        return ""
    raw = node.text
    return raw.decode("utf-8", "replace") if raw is not None else ""


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
    if node is None:
        return None
    t = node.type  # read once, here and below: each read makes a new str (a bundle asks it per call)
    if t in WRAPPERS:
        node = unwrap(node)
        if node is None:
            return None
        t = node.type
    return string_of(node, t)


def string_of(node: Node, t: str) -> str | None:
    """string_value of a node that is no wrapper, whose type `t` the caller has read."""
    if t == "string":
        raw = node.text
        # The common case: no escape, no character reference (JSX), no line break (an unclosed string
        # there), closed — the value is what stands between the quotes, read in one call rather than
        # through the fragment's node.
        if len(raw) >= 2 and raw[:1] == raw[-1:] and not _NOT_PLAIN.search(raw):
            return raw[1:-1].decode("utf-8", "replace")
        return string_by_parts(node)
    if t == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        raw = text(node)[1:-1]
        return raw
    return None


_NOT_PLAIN = re.compile(rb"[\\&\n\r]")


def string_by_parts(node: Node) -> str:
    """A string literal's value from its fragments and escape sequences (what string_of reads off the
    text where it can)."""
    if node.named_child_count == 1:  # one fragment: no list to build and join
        only = node.named_child(0)
        if only.type == "string_fragment":
            return only.text.decode("utf-8", "replace")
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(text(child)))
    return "".join(parts)


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
    if node is None:
        return None
    t = node.type
    if t in WRAPPERS:
        node = unwrap(node)
        if node is None:
            return None
        t = node.type
    if t == "unary_expression":  # `-1`
        operand = node.named_child(0)
        return "number" if operand is not None and operand.type == "number" else None
    return LITERAL_KINDS.get(t)


LITERAL_KINDS = {"string": "string", "template_string": "string", "number": "number", "true": "boolean",
                  "false": "boolean", "array": "array", "object": "object", "arrow_function": "function",
                  "function_expression": "function", "function": "function", "null": "null",
                  "class": "class", "new_expression": "instance"}


def object_pairs(node: Node | None) -> list[tuple[str, Node, Node]]:
    """(key, key node, value node) of an object literal's plain properties, methods and shorthands."""
    if node is None:
        return []
    if node.type != "object":  # unwrapped only when it is not already the object: this runs per options object
        node = unwrap(node)
        if node is None or node.type != "object":
            return []
    out = []
    children = named_children(node)
    clean = not node.has_error  # then so is every pair: asked once, not per pair
    for child in children:
        t = child.type
        if t == "pair":
            # key, `:`, value (a comment among them is a fourth): the two read by index, which is cheaper on
            # a fresh tree than listing the pair's children; this runs for every options object of a bundle.
            if child.child_count == 3 and (clean or not child.has_error):
                key_node, value = child.child(0), child.child(2)
            else:
                key_node, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key_node is None or value is None:
                    continue
            # A plain name, the common key, read here rather than through property_key.
            key = key_node.text.decode("utf-8", "replace") if key_node.type == "property_identifier" \
                else property_key(key_node)
            if key is not None:
                out.append((key, key_node, value))
        elif t == "shorthand_property_identifier":
            out.append((text(child), child, child))
        elif t == "method_definition":
            key_node = child.child_by_field_name("name")
            key = property_key(key_node)
            if key is not None:
                out.append((key, key_node, child))
    return out


def named_children(node: Node):
    """A node's named children. A small node's one by one: `named_children` would keep them all in the
    node object (a cache py-tree-sitter keeps per Node), and a call's options object lives as long as its
    Call — four hundred bytes a call of a bundle. A big one's at once (named_child(i) walks from the first)."""
    count = node.named_child_count
    return map(node.named_child, range(count)) if count <= _FEW else node.named_children


_FEW = 16


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
    if not args.named_child_count:
        return None
    first = args.named_child(0)
    if first.type != "comment":
        return first
    return next((c for c in args.named_children if c.type != "comment"), None)


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
    parents = _parents
    up = parents[node]
    while up is not None:
        yield up
        up = parents[up]


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
