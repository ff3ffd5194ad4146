"""Collecting a file's facts that cross-file rules combine: imports (TTM103), cloud-storage keys written
and read (TTM305), messages posted and handled (TTM401–402), members the project declares (TTM201),
suppression comments; and the lookups over facts the cross-file rules share. The records themselves
are in records.py."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.diagnostic import Diagnostic
from ttminis_cli.lint.records import Facts, Handler, Import, KeyRead, PostedMessage, Span, Suppression

if TYPE_CHECKING:
    from tree_sitter import Node

    from ttminis_cli.lint.calls import Call
    from ttminis_cli.lint.model import FileModel

STORAGE_WRITE = "setUserCloudStorage"
STORAGE_READS = ("getUserCloudStorage", "getFriendCloudStorage")
# Keys that name a message's kind, in the order ported games use them.
DISCRIMINANTS = ("type", "command", "cmd", "action", "event", "kind", "msgType", "messageType", "op", "method")


def collect(model: FileModel, suppressions: tuple[Suppression, ...],
            conditional: dict[tuple[str, str], list[Diagnostic]] | None = None) -> Facts:
    ctx = model.ctx
    base = dict(path=ctx.path, abs_path=ctx.abs_path, project_root=ctx.project_root, domain=ctx.domain,
                domain_rules=ctx.domain_rules, suppressions=suppressions,
                line_count=model.source.count(b"\n") + 1)
    if model.root is None:
        return Facts(**base)
    written, unknown, reads = _storage(model)
    return Facts(**base, imports=_imports(model), keys_written=written, writes_unknown=unknown,
                 key_reads=reads, posts=_posts(model), handlers=_handlers(model),
                 mentions_on_message=b"onMessage" in model.source,
                 platform_exports=tuple(sorted(model.uses.exports)),
                 declared_members=tuple(sorted(model.uses.declared | _typed_members(model))),
                 unknown_members=tuple(model.deferred),
                 conditional=tuple((module_target(model.ctx, spec), name, tuple(sorted(set(diags))))
                                   for (spec, name), diags in sorted((conditional or {}).items()) if diags))


# TypeScript declarations of the platform object's members: `declare namespace wx { … }`, the
# typings' `interface Wx { … }` (augmented by SDKs), `declare const tt: { … }`.
_TYPED_HOLDERS = ("tt", "wx", "Wx", "WX", "Tt", "TT")
_MEMBER_DECLARATIONS = frozenset({"function_signature", "function_declaration", "method_signature",
                                  "property_signature", "lexical_declaration", "variable_declaration"})


# Where such a declaration can start: a cheap test before looking at the tree.
_TYPED_HINT = re.compile(rb"(?:namespace|module)\s+(?:tt|wx)\b|interface\s+(?:Wx|WX|Tt|TT)\b|"
                         rb"\b(?:const|let|var)\s+(?:tt|wx)\s*:")


def _typed_members(model: FileModel) -> set[str]:
    if model.language == "js" or not _TYPED_HINT.search(model.source):
        return set()
    bodies = []
    for node in P.word_nodes(model.root, model.source, _TYPED_HOLDERS, ("identifier", "type_identifier")):
        parent = P.parent(node)
        if parent is None or not _same(parent.child_by_field_name("name"), node):
            continue
        if parent.type == "internal_module" and node.type == "identifier" and P.text(node) in ("tt", "wx"):
            bodies.append(parent.child_by_field_name("body"))
        elif parent.type == "interface_declaration" and P.text(node) not in ("tt", "wx"):
            bodies.append(parent.child_by_field_name("body"))
        elif parent.type == "variable_declarator" and P.text(node) in ("tt", "wx"):
            annotation = parent.child_by_field_name("type")
            typed = annotation.named_children[0] if annotation is not None and annotation.named_children else None
            if typed is not None and typed.type == "object_type":
                bodies.append(typed)
    out: set[str] = set()
    for body in bodies:
        for child in body.named_children if body is not None else ():
            if child.type == "export_statement" and child.named_children:
                child = child.named_children[0]
            if child.type not in _MEMBER_DECLARATIONS:
                continue
            if child.type in ("lexical_declaration", "variable_declaration"):
                names = [d.child_by_field_name("name") for d in child.named_children if d.type == "variable_declarator"]
            else:
                names = [child.child_by_field_name("name")]
            out.update(P.property_key(n) or "" for n in names if n is not None)
    out.discard("")
    return out


def _imports(model: FileModel) -> tuple[Import, ...]:
    out = []
    for node in model.scan.get("import_source", []):
        spec = P.string_value(node)
        if not spec or not spec.startswith((".", "/")):
            continue
        out.append(Import(spec, module_target(model.ctx, spec), model.span(node)))
    return tuple(sorted(out, key=lambda i: i.span))


def module_target(ctx, spec: str) -> str:
    """The absolute posix path a relative (or package-absolute, WeChat-style) specifier names."""
    if spec.startswith("/"):
        return posixpath.normpath(posixpath.join(ctx.project_root, spec.lstrip("/")))
    return posixpath.normpath(posixpath.join(posixpath.dirname(ctx.abs_path), spec))


def is_platform_export(condition: tuple[str, str], by_path: dict[str, "Facts"]) -> bool:
    """Whether (module path, export name) names the platform object."""
    module = resolve_module(condition[0], by_path)
    return module is not None and condition[1] in module.platform_exports


def resolve_module(target: str, by_path: dict[str, "Facts"]) -> "Facts | None":
    """The linted file a module path means, trying the extensions and index files bundlers try."""
    for candidate in _candidates(target):
        if candidate in by_path:
            return by_path[candidate]
    return None


def _candidates(target: str):
    yield target
    for ext in (".js", ".ts", ".tsx", ".mjs", ".cjs", ".jsx"):
        yield target + ext
    stem, ext = posixpath.splitext(target)
    if ext == ".js":
        yield stem + ".ts"
        yield stem + ".tsx"
    for index in ("index.js", "index.ts", "index.tsx"):
        yield posixpath.join(target, index)


# ---------------------------------------------------------------------------- storage


class StringConsts:
    """`const NAME = 'literal'` bindings of a file, looked up by name on demand (the last declaration
    wins; names are rarely reused)."""

    def __init__(self, model: FileModel) -> None:
        self.model = model
        self.known: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        if name not in self.known:
            value = None
            for node in declarators_of(self.model, name):
                found = P.string_value(node.child_by_field_name("value"))
                value = found if found is not None else value
            self.known[name] = value
        return self.known[name]


def declarators_of(model: FileModel, name: str) -> list[Node]:
    """Every `… name = …` variable declarator of the file, in order."""
    return [P.parent(n) for n in P.word_nodes(model.root, model.source, [name], ("identifier",))
            if P.parent(n) is not None and P.parent(n).type == "variable_declarator"
            and _same(P.parent(n).child_by_field_name("name"), n)]


def _same(a: Node | None, b: Node | None) -> bool:
    return a is not None and b is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte


def static_string(node: Node | None, model: FileModel) -> str | None:
    """A string literal's value, or that of the `const` a name is bound to; else None."""
    if node is None:
        return None
    t = node.type
    if t in P.WRAPPERS:
        node = P.unwrap(node)
        if node is None:
            return None
        t = node.type
    if t == "identifier":
        consts = model.memo.get("string consts")  # one per file: every lookup shares what it found
        if consts is None:
            consts = model.memo["string consts"] = StringConsts(model)
        return consts.get(P.text(node))
    return P.string_of(node, t)


# ("key" or "value", its value node, then for a key its static string, for a value its P.literal_kind;
# either may be None)
StorageEntry = tuple[str, "Node", "str | None"]


def write_entries(model: FileModel, call: Call) -> list[list[StorageEntry]] | None:
    """The elements of a setUserCloudStorage call's `data` (or `KVDataList`) array literal, read once for
    the storage rules: per element its `key` and `value` properties in source order, each a
    StorageEntry; None when that list is not an array literal. What the call writes (its keys, or that
    they cannot be read) is noted in the model for the facts, so the nodes need not be kept."""
    entries, keys = _storage_entries(model, call)
    noted = model.memo.get("storage writes")
    if noted is None:
        noted = model.memo["storage writes"] = []
    noted.append(keys)
    return entries


def _storage_entries(model: FileModel, call: Call) -> tuple[list[list[StorageEntry]] | None,
                                                            tuple[str | None, ...] | None]:
    """(the entries write_entries returns, the key each element writes: None for one whose key is not a
    static string, the last where an element names two)."""
    data = None
    for key, _, value in model.pairs(call.first_argument):
        if key == "data" or key == "KVDataList":
            data = value
            break
    if data is None:
        return None, None
    if data.type != "array":
        data = P.unwrap(data)
        if data is None or data.type != "array":
            return None, None
    found = []
    keys = []
    # An element's pairs straight from P.object_pairs, not model.pairs: only this reads them, once.
    for element in P.named_children(data):
        entries = []
        written = None
        for name, _, value in P.object_pairs(element):
            if name == "key":
                written = static_string(value, model)
                entries.append((name, value, written))
            elif name == "value":
                entries.append((name, value, P.literal_kind(value)))
        found.append(entries)
        keys.append(written)
    return found, tuple(keys)


def _storage(model: FileModel) -> tuple[tuple[str, ...], bool, tuple[KeyRead, ...]]:
    written: list[str] = []
    unknown = False
    noted = model.memo.get("storage writes")  # by the storage rules, call by call
    writes = [call for call in model.uses.calls if call.api == STORAGE_WRITE]
    if noted is None or len(noted) != len(writes):  # a model the rules did not see through
        noted = [_storage_entries(model, call)[1] for call in writes]
    for keys in noted:
        if keys is None:
            unknown = True
            continue
        for key in keys:
            if key is None:
                unknown = True
            else:
                written.append(key)
    reads: list[KeyRead] = []
    for call in model.uses.calls:
        if call.api in STORAGE_READS:
            for name, _, value in model.pairs(call.first_argument):
                value = P.unwrap(value)
                if name == "keyList" and value is not None and value.type == "array":
                    for element in value.named_children:
                        key = static_string(element, model)
                        if key is not None:
                            reads.append(KeyRead(key, call.api, model.span(element)))
    return tuple(written), unknown, tuple(reads)


# ---------------------------------------------------------------------------- messages


def _posts(model: FileModel) -> tuple[PostedMessage, ...]:
    if model.ctx.domain != "main":  # only the main domain posts to the open data domain
        return ()
    out = []
    for post in model.uses.posts:
        message = P.unwrap(post.message)
        if message is not None and message.type == "identifier":  # const msg = { type: … }; post(msg)
            message = _object_bound_to(model, P.text(message))
        if message is None or message.type != "object":
            continue
        fields = []
        for key, _, value in model.pairs(message):
            fields.append((key, kind_value(value), model.span(value)))
        out.append(PostedMessage(tuple(fields), model.span(message)))
    return tuple(out)


def _object_bound_to(model: FileModel, name: str) -> Node | None:
    """The object literal a name is declared with, when the file declares that name exactly once."""
    found = declarators_of(model, name)
    value = P.unwrap(found[0].child_by_field_name("value")) if len(found) == 1 else None
    return value if value is not None and value.type == "object" else None


def kind_value(node: Node | None) -> str | None:
    """A message kind as written: a string or number literal (`{ type: show }`, the platform's own
    sample, names a variable: unknown)."""
    node = P.unwrap(node)
    if node is not None and node.type == "number":
        return P.text(node)
    return P.string_value(node)


def _handlers(model: FileModel) -> tuple[Handler, ...]:
    out = []
    for call in model.uses.calls:
        if call.api != "onMessage" or call.namespace_mistake:
            continue
        fn = _handler_function(model, P.first_argument(call.node))
        handler = _analyze_handler(model, fn) if fn is not None else Handler(False)
        if call.condition is not None:
            handler = handler._replace(condition=(module_target(model.ctx, call.condition[0]), call.condition[1]))
        out.append(handler)
    return tuple(out)


_FUNCTION_TYPES = ("arrow_function", "function_expression", "function", "function_declaration",
                   "method_definition")


def _handler_function(model: FileModel, arg: Node | None) -> Node | None:
    arg = P.unwrap(arg)
    if arg is None:
        return None
    if arg.type in _FUNCTION_TYPES:
        return arg
    if arg.type == "identifier":
        for node in P.word_nodes(model.root, model.source, [P.text(arg)], ("identifier",)):
            parent = P.parent(node)
            if parent is None or not _same(parent.child_by_field_name("name"), node):
                continue
            if parent.type == "function_declaration":
                return parent
            value = parent.child_by_field_name("value") if parent.type == "variable_declarator" else None
            if value is not None and value.type in ("arrow_function", "function_expression"):
                return value
    return None


def _analyze_handler(model: FileModel, fn: Node) -> Handler:
    params = fn.child_by_field_name("parameters") or fn.child_by_field_name("parameter")
    first = None
    if params is not None:
        if params.type == "identifier":
            first = params
        else:
            first = next((c for c in params.named_children if c.type != "comment"), None)
            if first is not None and first.type in ("required_parameter", "optional_parameter"):
                first = first.child_by_field_name("pattern")
    messages: set[str] = set()
    field_vars: dict[str, str] = {}  # local name -> message field it holds
    if first is not None and first.type == "identifier":
        messages.add(P.text(first))
    elif first is not None and first.type == "object_pattern":
        field_vars.update(_pattern_fields(first))
    else:
        return Handler(False)
    body = fn.child_by_field_name("body")
    if body is None:
        return Handler(False)
    found: dict[str, tuple[list[str], list[bool], list[Span]]] = {}

    def field_of(node: Node | None) -> str | None:
        node = P.unwrap(node)
        if node is None:
            return None
        if node.type in ("member_expression", "subscript_expression"):
            obj = P.unwrap(node.child_by_field_name("object"))
            if obj is not None and obj.type == "identifier" and P.text(obj) in messages:
                if node.type == "subscript_expression":  # message['type']
                    return P.string_value(node.child_by_field_name("index"))
                return P.text(node.child_by_field_name("property"))
        if node.type == "identifier":
            return field_vars.get(P.text(node))
        return None

    def note(field: str, value: str | None, at: Node) -> None:
        values, dynamic, spans = found.setdefault(field, ([], [False], []))
        if value is None:
            dynamic[0] = True
        else:
            values.append(value)
        spans.append(model.span(at))

    for node in P.walk(body):
        t = node.type
        if t == "variable_declarator":
            value = P.unwrap(node.child_by_field_name("value"))
            name = node.child_by_field_name("name")
            if value is not None and value.type == "identifier" and P.text(value) in messages:
                if name is not None and name.type == "object_pattern":
                    field_vars.update(_pattern_fields(name))
                elif name is not None and name.type == "identifier":
                    messages.add(P.text(name))
            elif name is not None and name.type == "identifier" and field_of(value) is not None:
                field_vars[P.text(name)] = field_of(value)
        elif t == "binary_expression" and P.text(node.child_by_field_name("operator")) in ("===", "==", "!==", "!="):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            for a, b in ((left, right), (right, left)):
                field = field_of(a)
                if field is not None and kind_value(b) is not None:
                    note(field, kind_value(b), a)
        elif t == "switch_statement":
            value = node.child_by_field_name("value")
            field = field_of(value)
            if field is not None:
                cases = [kind_value(c.child_by_field_name("value"))
                         for c in (node.child_by_field_name("body").named_children
                                   if node.child_by_field_name("body") is not None else [])
                         if c.type == "switch_case"]
                at = P.unwrap(value)
                if not cases:
                    note(field, None, at)
                for case in cases:
                    note(field, case, at)
        elif t == "subscript_expression":
            field = field_of(node.child_by_field_name("index"))
            if field is not None:
                note(field, None, P.unwrap(node.child_by_field_name("index")))
    fields = tuple((name, tuple(values), dynamic[0], spans[0]) for name, (values, dynamic, spans) in found.items())
    return Handler(True, fields)


def _pattern_fields(pattern: Node) -> dict[str, str]:
    out = {}
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            out[P.text(child)] = P.text(child)
        elif child.type == "pair_pattern":
            value = child.child_by_field_name("value")
            if value is not None and value.type == "assignment_pattern":
                value = value.child_by_field_name("left")
            key = P.property_key(child.child_by_field_name("key"))
            if key and value is not None and value.type == "identifier":
                out[P.text(value)] = key
        elif child.type == "object_assignment_pattern":
            left = child.child_by_field_name("left")
            if left is not None:
                out[P.text(left)] = P.text(left)
    return out

