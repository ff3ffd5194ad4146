"""The one pass over a file that finds where the engine's work starts (DESIGN §3a: linear in size).

A whole-tree query costs about as much as parsing did, once per pattern set; a regular-expression
search of the source for a few dozen words, with a descent from each hit to its node, costs a tenth of
that. What it collects, by key:

    root               identifiers that can name the platform or a web global (ROOT_NAMES)
    window_member      `X.window` members (Laya.Browser.window)
    distinctive_call   calls of members only mini-game platforms have (INFERRED_MEMBERS)
    export             export statements
    import_source      the specifier strings of import/export-from/require()/import()
    todataurl          `x.toDataURL(…)` property names (TTM106)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P

if TYPE_CHECKING:
    from tree_sitter import Node

PLATFORM_NAMES = ("tt", "wx")
# The other mini-game platforms' globals (Baidu's `swan`, Alipay's `my`, QQ's `qq`, …): never there when
# TikTok runs a game, so `GameGlobal.wx || GameGlobal.tt || GameGlobal.swan` is the platform object.
OTHER_PLATFORM_GLOBALS = frozenset({"qq", "swan", "my", "ks", "qg", "hbs", "uc", "jd", "bl", "dd", "xhs",
                                     "kwaigame", "Taro"})
GLOBAL_NAMES = ("GameGlobal", "window", "globalThis")
# Web globals that rules look at: network and storage (TTM104), dynamic code (TTM501), DOM and
# navigation (TTM502–504), the parent frame (TTM105).
WEB_NAMES = ("fetch", "XMLHttpRequest", "WebSocket", "document", "localStorage", "sessionStorage",
             "eval", "Function", "setTimeout", "setInterval", "navigator", "location", "parent")
ROOT_NAMES = PLATFORM_NAMES + GLOBAL_NAMES + ("TTMinis",) + WEB_NAMES
# Member names no library but a mini-game platform uses. A call of one on an object this file cannot
# explain is taken as a platform call for cloud-storage and messaging facts (and TTM301–304) only;
# the domain and API rules, which must never flag a user's own object, ignore such calls.
INFERRED_MEMBERS = ("getOpenDataContext", "setUserCloudStorage", "getUserCloudStorage", "getFriendCloudStorage",
                    "removeUserCloudStorage")

# Compared as bytes, as the nodes' text comes: every word is ASCII.
_NAMES = frozenset(w.encode() for w in ROOT_NAMES)
_DISTINCTIVE = frozenset(w.encode() for w in INFERRED_MEMBERS)
WORDS = tuple(sorted({*ROOT_NAMES, *INFERRED_MEMBERS, "export", "import", "require", "toDataURL"}))
_TYPES = frozenset({"identifier", "shorthand_property_identifier_pattern", "property_identifier", "export",
                    "import"})


def scan(root: Node, source: bytes) -> dict[str, list[Node]]:
    """What the call finder starts from, by kind, each list in source order."""
    out: dict[str, list[Node]] = {}

    def add(key: str, node: Node | None) -> None:
        if node is not None:
            out.setdefault(key, []).append(node)

    # The member expression the last root name is the object of (`tt.getOpenDataContext`), and its
    # property: a hit that is that property is placed without a descent or a parent lookup, a hit's
    # dearest steps.
    member = None
    prop_span = None
    roots = out["root"] = []
    distinctive = out["distinctive_call"] = []  # one per call of a bundle: appended to here directly
    cursor = root.walk()
    for match in P.word_regex(WORDS).finditer(source):
        span = match.span()
        if span == prop_span:
            node, parent, t = prop, member, "property_identifier"
        else:
            node = P.leaf_at(cursor, root, span[0])
            t = node.type
            if t not in _TYPES or node.byte_range != span:
                continue
            parent = P.parent(node)
            if parent is None:
                continue
        word = match.group()  # the node's text: the match is the node's span
        if t == "identifier" or t == "shorthand_property_identifier_pattern":
            if word in _NAMES:
                roots.append(node)
                if parent.type == "member_expression":
                    member, prop = parent, parent.child_by_field_name("property")
                    prop_span = prop.byte_range if prop is not None else None
            elif word == b"require" and parent.type == "call_expression" and _is(parent, "function", node):
                add("import_source", _first_string_argument(parent))
        elif t == "property_identifier":
            if parent is not member and (parent.type != "member_expression" or not _is(parent, "property", node)):
                continue
            if word == b"window":
                add("window_member", parent)
            call = P.parent(parent)
            # A member expression that is a call's child is its function: the arguments are an
            # `arguments` or template node, never a member.
            if call is not None and call.type == "call_expression":
                if word in _DISTINCTIVE:
                    distinctive.append(call)
                elif word == b"toDataURL":
                    add("todataurl", node)
        elif t == "export" and parent.type == "export_statement":
            add("export", parent)
            source_node = parent.child_by_field_name("source")
            if source_node is not None and source_node.type == "string":
                add("import_source", source_node)
        elif t == "import":
            if parent.type == "import_statement":
                source_node = parent.child_by_field_name("source")
                if source_node is not None and source_node.type == "string":
                    add("import_source", source_node)
            elif parent.type == "import" and P.parent(parent) is not None and P.parent(parent).type == "call_expression":
                add("import_source", _first_string_argument(P.parent(parent)))
    for key in ("root", "distinctive_call"):
        if not out[key]:
            del out[key]  # a key only for what was found
    return out


def _is(parent: Node, field: str, node: Node) -> bool:
    child = parent.child_by_field_name(field)
    if child is None:
        return False
    # `==` (one node of one tree) is the usual answer, and far cheaper than reading both spans.
    return child == node or (child.start_byte == node.start_byte and child.end_byte == node.end_byte)


def _first_string_argument(call: Node) -> Node | None:
    args = call.child_by_field_name("arguments")
    first = next((c for c in args.named_children if c.type != "comment"), None) if args is not None else None
    return first if first is not None and first.type == "string" else None
