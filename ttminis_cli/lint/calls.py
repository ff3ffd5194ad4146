"""Recognising platform calls through every spelling users write (DESIGN §4), and nothing else.

The search starts from the few identifiers that can name the platform (`tt`, `wx`, `GameGlobal`,
`window`, `globalThis`, `TTMinis`) and the web globals some rules care about, found by one compiled
query, and climbs from each occurrence to the member access, call, alias or destructuring it sits
in. New aliases (`const g = TTMinis.game`, `const { shareToUser: s } = tt`,
`const ctx = wx.getOpenDataContext()`) become names of the next round, until none are new. Scopes
are honoured: a parameter or local that shadows `tt` is not the platform, a TypeScript
`declare const tt` is. Strings and comments never match because only identifier nodes do.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from tree_sitter import Node

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.scan import (GLOBAL_NAMES, INFERRED_MEMBERS, OTHER_PLATFORM_GLOBALS, PLATFORM_NAMES,
                                   ROOT_NAMES, WEB_NAMES)
from ttminis_cli.lint.scan import scan as scan_file

PLATFORM = ("platform",)
GLOBAL = ("global",)
TTMINIS = ("ttminis",)
CONTEXT = ("context",)
POST = ("post",)
NULLISH = ("nullish",)
INFERRED = ("inferred",)
IMPORTED = ("imported",)  # a binding from a package: not the platform as far as this file shows
_CYCLE = ("cycle",)

_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                        "method_definition", "generator_function_declaration", "generator_function"})
_BLOCKS = frozenset({"statement_block", "program", "for_statement", "for_in_statement", "switch_body",
                     "class_body"})
_PARAM_WRAPPERS = frozenset({"required_parameter", "optional_parameter", "assignment_pattern",
                             "rest_pattern", "formal_parameters"})
# Where a name can be declared: the parent's child that is the name, or every name in it (no field).
_NAME_FIELDS = {"variable_declarator": "name", "assignment_pattern": "left", "pair_pattern": "value",
                "function_declaration": "name", "function_expression": "name", "class_declaration": "name",
                "generator_function_declaration": "name", "catch_clause": "parameter", "arrow_function": "parameter"}
_DECLARING = frozenset({*_NAME_FIELDS, *_PARAM_WRAPPERS, "import_specifier", "import_clause", "namespace_import",
                        "object_pattern", "array_pattern"})
# Where an identifier is written (see _note_write), and where it is declared or written.
_WRITING = frozenset({"assignment_expression", "augmented_assignment_expression", "update_expression",
                      "array_pattern", "object_pattern", "pair_pattern", "shorthand_property_identifier_pattern"})
_BINDING = _DECLARING | _WRITING
_MAX_DEPTH = 40
_NAME_NODES = ("identifier", "shorthand_property_identifier_pattern")


@dataclass(slots=True)  # a bundle has one per call: no dict each
class Call:
    """A call of a platform API (or a namespace mistake like bare `TTMinis.login()`)."""

    api: str
    node: Node  # the call_expression
    callee: Node  # where findings point: the callee expression (`tt.shareToUser`)
    optional: bool  # `tt.x?.()`
    namespace_mistake: bool = False
    inferred: bool = False  # on an object only the member's name suggests is the platform
    # (module specifier, export name): a platform call only if that module exports the platform
    # under that name (a wrapper module); finish decides, once it knows every file's exports.
    condition: tuple[str, str] | None = None
    # P.first_argument of the call, found once for the rules and facts that read its options.
    first_argument: Node | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.first_argument = P.first_argument(self.node)


@dataclass(slots=True)
class Access:
    """A platform member read without being called: `if (tt.shareAppMessage)`, `typeof tt.x`."""

    api: str
    node: Node
    chained: bool = False  # a member of it is used: `wx.cloud.init()` needs `wx.cloud` to exist


@dataclass(slots=True)
class WebUse:
    """A web global used in a way some rule cares about."""

    what: str  # e.g. "call:fetch", "new:XMLHttpRequest", "call:document.createElement", "assign:location.href"
    node: Node  # the call / new / assignment
    at: Node  # where findings point
    value: Node | None = None  # the assigned value or first argument


@dataclass(slots=True)
class Post:
    node: Node  # the call_expression
    message: Node | None  # the first argument


@dataclass
class Uses:
    calls: list[Call] = field(default_factory=list)
    accesses: list[Access] = field(default_factory=list)
    web: list[WebUse] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    exports: set[str] = field(default_factory=set)  # names this module exports the platform as
    declared: set[str] = field(default_factory=set)  # members the code adds: `wx.aldSendEvent = …`
    # Undeclared globals that hold the platform object (`GameGlobal.__env = wx || tt`, then `__env`).
    platform_globals: set[str] = field(default_factory=set)


def _key(node: Node) -> tuple[int, int, int]:
    return (node.start_byte, node.end_byte, node.kind_id)


def _same(a: Node | None, b: Node | None) -> bool:
    """Whether two nodes have one key (see _key). The climb asks this of every step, mostly of one node
    reached twice, which `==` (one node of one tree) tells at a fraction of the cost of reading the keys."""
    if a is None or b is None:
        return False
    return a == b or (a.start_byte == b.start_byte and a.end_byte == b.end_byte and a.kind_id == b.kind_id)


class _Finder:
    def __init__(self, lang: str, root: Node, source: bytes, scan: dict[str, list[Node]]) -> None:
        self.lang = lang
        self.root = root
        self.root_key = _key(root)
        self.source = source
        self.scan = scan
        self.scopes: dict[tuple, dict[str, object]] = {}  # scope key -> name -> kind or declarator
        self.bound_names: set[str] = set()  # every name some scope binds: the others are globals at once
        self.binders: dict[str, set[tuple]] = {}  # name -> the keys of the scopes that bind it
        # Every `name = …` of the names followed so far, and writes that make a binding unknowable
        # (`x += …`, `x++`): a binding is the platform only if every value it is given can only be.
        self.writes: dict[str, list[Node]] = {}
        self.opaque_writes: dict[str, list[Node]] = {}
        self.climbed: dict[tuple, tuple] = {}  # assignment or return node -> the kind climbing found
        self.write_groups: dict[str, dict] = {}  # name -> scope key -> (writes, opaque writes)
        self.write_groups_seen: dict[str, tuple[int, int]] = {}  # how many of each list are grouped
        # A name is followed only where its binding can be seen: the scope that declares it (a
        # minified bundle reuses `e` and `t` in thousands of functions; one of them holding `wx`
        # says nothing of the others). Byte ranges per name: to search next, and searched.
        self.pending: dict[str, list[tuple[int, int]]] = {}
        self.searched: dict[str, _Spans] = {}
        self.visited: set[Node] = set()  # a node is itself however it was reached: no key needed
        self.declarations_read: dict[str, _Spans] = {}  # ranges whose declarations of a name are bound
        # `this.ctx = …`, per owner (a class body or object literal; None: the file), decided once every
        # `this.<name> = …` of the owner has been seen.
        self.this_candidates: dict[tuple, tuple] = {}  # (owner, name) -> kind found by climbing
        self.this_members: dict[tuple, tuple | None] = {}
        self.memo: dict[tuple, tuple | None] = {}
        self.evaluating: set[tuple] = set()
        self.uses = Uses()
        self.seen_calls: set[Node] = set()
        self.names: dict[str, str] = {}
        self.seen_nodes: set[tuple] = set()
        self.new_members: set[str] = set()

    # ------------------------------------------------------------------ driver

    def run(self) -> Uses:
        members: set[str] = set()
        extra: list[tuple[Node, tuple]] = []
        extra.extend((m, GLOBAL) for m in self.scan.get("window_member", []))
        whole = (0, len(self.source))
        self.searched = {name: _Spans([whole]) for name in ROOT_NAMES}
        self._bind_imports()
        inferred_done = False
        first = True
        for _ in range(12):
            if first:
                occurrences = self.scan.get("root", [])  # in source order: the scan reads left to right
                self.visited.update(occurrences)
                first = False
            else:
                occurrences = self._take_pending()
            references = []  # the occurrences that are not a declaration's name
            for node in occurrences:
                parent = P.parent(node)
                # Most occurrences are an object or a callee (`tt.x`, `tt()`): nothing to bind or note.
                if node.type == "identifier" and parent is not None and parent.type not in _BINDING:
                    references.append(node)
                    continue
                if self._is_declaration_name(node):
                    self._bind_declaration(node)
                else:
                    references.append(node)
                self._note_write(node)
            if members:
                extra.extend(self._this_occurrences(members))
            for node in references:
                kind = self._resolve(node, P.text(node))
                if kind is not None and kind not in (NULLISH, _CYCLE):
                    self._climb(node, kind)
            for node, kind in extra:
                self._climb(node, kind)
            extra = []
            members = set(self.new_members)
            self.new_members = set()
            if not self.pending and not members:
                if inferred_done:
                    break
                inferred_done = True
                extra = self._inferred_objects()
                if not extra:
                    break
        self._collect_exports()
        return self.uses

    def _bind_imports(self) -> None:
        """Bindings imported from the project's own modules: what they are is known only in finish."""
        for source in self.scan.get("import_source", []):
            spec = P.string_value(source)
            if not spec or not spec.startswith((".", "/")):
                continue
            statement = P.parent(source)
            if statement is not None and statement.type == "import_statement":
                clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
                for child in clause.named_children if clause is not None else ():
                    if child.type == "identifier":
                        self._bind_import(P.text(child), ("ext", spec, "default"))
                    elif child.type == "namespace_import" and child.named_children:
                        self._bind_import(P.text(child.named_children[0]), ("ext-ns", spec))
                    elif child.type == "named_imports":
                        for specifier in child.named_children:
                            name = specifier.child_by_field_name("name")
                            alias = specifier.child_by_field_name("alias") or name
                            if specifier.type == "import_specifier" and name is not None:
                                self._bind_import(P.text(alias), ("ext", spec, P.property_key(name) or ""))
            elif statement is not None and statement.type == "arguments":  # const api = require('./platform')
                declarator = P.parent(P.parent(statement)) if P.parent(statement) is not None else None
                if declarator is not None and declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        scope = self._scope_of_declaration(declarator)
                        self._bind(scope, P.text(name), ("ext", spec, "default"))
                        self._follow(P.text(name), scope)

    def _bind_import(self, name: str, kind: tuple) -> None:
        self._bind(self.root, name, kind)
        self._follow(name, None)

    def _collect_exports(self) -> None:
        for statement in self.scan.get("export", []):
            declaration = statement.child_by_field_name("declaration")
            value = statement.child_by_field_name("value")
            if declaration is not None and declaration.type in ("lexical_declaration", "variable_declaration"):
                for declarator in declaration.named_children:
                    name = declarator.child_by_field_name("name")
                    if declarator.type == "variable_declarator" and name is not None and name.type == "identifier" \
                            and self._binding_kind(("declarator", declarator)) == PLATFORM:
                        self.uses.exports.add(P.text(name))
            elif value is not None:
                if self.kind_of(value) == PLATFORM:
                    self.uses.exports.add("default")
            else:
                clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
                if clause is None or statement.child_by_field_name("source") is not None:
                    continue
                for specifier in clause.named_children:
                    name = specifier.child_by_field_name("name")
                    alias = specifier.child_by_field_name("alias") or name
                    if name is not None and self._resolve(name, P.text(name)) == PLATFORM:
                        self.uses.exports.add(P.text(alias))

    def _inferred_objects(self) -> list[tuple[Node, tuple]]:
        """Objects of distinctive platform calls that no binding in this file explains — mostly a
        wrapper imported from another module (`import { api } from './platform'`)."""
        found = self.scan.get("distinctive_call", [])
        out = []
        for call in found:
            if call in self.seen_calls:
                continue
            member = P.unwrap(call.child_by_field_name("function"))
            obj = member.child_by_field_name("object") if member is not None else None
            if obj is not None and not self._locally_bound(obj):
                out.append((obj, INFERRED))
        return out

    def _locally_bound(self, expr: Node) -> bool:
        """Whether an expression starts at a parameter or local this file shows is not the platform."""
        node = P.unwrap(expr)
        while node is not None and node.type in ("member_expression", "call_expression", "subscript_expression"):
            node = P.unwrap(node.child_by_field_name("object") or node.child_by_field_name("function"))
        if node is None or node.type != "identifier":
            return False
        name = P.text(node)
        here = P.parent(node)
        while here is not None:
            bound = self.scopes.get(_key(here))
            if bound is not None and name in bound:
                return bound[name] is None
            here = P.parent(here)
        return False

    def _follow(self, name: str, scope: Node | tuple | None) -> None:
        """Search `name` next round where the binding just found can be seen: its scope (a node or a
        scope key), or the whole file for a global."""
        if scope is None:
            span = (0, len(self.source))
        elif isinstance(scope, tuple):
            span = (scope[0], scope[1])
        else:
            span = (scope.start_byte, scope.end_byte)
        if not self._searched(name).covers(span):
            self.pending.setdefault(name, []).append(span)

    def _take_pending(self) -> list[Node]:
        """The occurrences, not seen before, of the names to follow in the ranges where they are bound."""
        found: list[Node] = []
        whole = (0, len(self.source))
        everywhere = [name for name, spans in self.pending.items() if whole in spans
                      and not self._searched(name).covers(whole)]
        if everywhere:  # one search of the whole text for every global or top-level name
            found.extend(P.word_nodes(self.root, self.source, everywhere, _NAME_NODES))
            for name in everywhere:
                self._searched(name).add(whole)
        for name, spans in self.pending.items():
            searched = self._searched(name)
            for span in sorted(spans, key=lambda s: s[0] - s[1]):  # widest first: it covers the rest
                if not searched.covers(span):
                    found.extend(P.word_nodes(self.root, self.source, [name], _NAME_NODES, *span))
                    searched.add(span)
        self.pending = {}
        out = []
        for node in found:
            if node not in self.visited:
                self.visited.add(node)
                out.append(node)
        return sorted(out, key=lambda n: n.start_byte)

    def _searched(self, name: str) -> _Spans:
        found = self.searched.get(name)
        if found is None:
            found = self.searched[name] = _Spans()
        return found

    def _complete(self, ident: tuple) -> bool:
        """Whether every occurrence of a binding (scope key or None, name) has been seen."""
        span = (0, len(self.source)) if ident[0] is None else (ident[0][0], ident[0][1])
        return self._searched(ident[1]).covers(span)

    def _assignment_scope(self, left: Node, name: str) -> tuple | None:
        """The scope that binds an assigned name: declarations are looked for in the enclosing functions,
        innermost first, so that only the binding's own scope is then searched whole."""
        declared = self.declarations_read.get(name)
        if declared is None:
            declared = self.declarations_read[name] = _Spans()
        for scope in [a for a in P.ancestors(left) if a.type in _FUNCTIONS] + [self.root]:
            span = (scope.start_byte, scope.end_byte)
            if not (self._searched(name).covers(span) or declared.covers(span)):
                for node in P.word_nodes(self.root, self.source, [name], _NAME_NODES, *span):
                    self._declare(node)
                declared.add(span)  # each range read for declarations once, however many assignments ask
            key = self._scope_key(left, name)
            if key is not None:
                return key
        return None

    # ------------------------------------------------------------------ declarations and scopes

    def _is_declaration_name(self, node: Node) -> bool:
        if node.type == "shorthand_property_identifier_pattern":
            return True
        parent = P.parent(node)
        if parent is None:
            return False
        t = parent.type
        if t not in _DECLARING:
            return False
        field = _NAME_FIELDS.get(t)
        return field is None or _same(parent.child_by_field_name(field), node)

    def _declare(self, node: Node) -> None:
        """Record what a declaration of `node`'s name binds in its scope, if it is a declaration's name."""
        if self._is_declaration_name(node):
            self._bind_declaration(node)

    def _bind_declaration(self, node: Node) -> None:
        name = P.text(node)
        parent = P.parent(node)
        t = parent.type
        if t == "variable_declarator":
            decl = P.parent(parent)
            ambient = any(a.type == "ambient_declaration" for a in P.ancestors(parent))
            scope = self._scope_of_declaration(parent)
            if parent.child_by_field_name("value") is None:
                if ambient:  # `declare const tt: …` is the platform object, typed
                    self._bind(scope, name, PLATFORM if name in PLATFORM_NAMES else _global_kind(name))
                    return
                if decl is not None and P.parent(decl) is not None and P.parent(decl).type in (
                        "for_in_statement",):
                    self._bind(scope, name, None)
                    return
                self._bind(scope, name, ("assigned", name))
                return
            self._bind(scope, name, ("declarator", parent))
            return
        if t in ("function_declaration", "class_declaration", "generator_function_declaration"):
            self._bind(self._block_of(parent), name, None)
            return
        if t in ("function_expression",):
            self._bind(parent, name, None)
            return
        if t == "catch_clause":
            self._bind(parent, name, None)
            return
        if t in ("import_specifier", "import_clause", "namespace_import"):
            self._bind(self.root, name, IMPORTED)
            return
        if t in ("pair_pattern", "object_pattern", "array_pattern"):
            # Destructuring: a declarator above binds it (handled when its value is a platform object),
            # a parameter pattern shadows.
            owner = next((a for a in P.ancestors(node) if a.type in ("variable_declarator", "formal_parameters",
                                                                     "arrow_function", "catch_clause")), None)
            if owner is None:
                return
            if owner.type == "variable_declarator":
                existing = self.scopes.get(_key(self._scope_of_declaration(owner)), {})
                if name not in existing:
                    self._bind(self._scope_of_declaration(owner), name, ("pattern", owner, node))
                return
            fn = P.parent(owner) if owner.type in ("formal_parameters",) else owner
            self._bind(fn, name, None)
            return
        # parameters
        fn = next((a for a in P.ancestors(node) if a.type in _FUNCTIONS), None)
        if fn is not None:
            self._bind(fn, name, None)

    def _bind(self, scope: Node, name: str, value: object) -> None:
        self._binds(_key(scope), name)
        self.scopes.setdefault(_key(scope), {}).setdefault(name, value)

    def _binds(self, scope: tuple, name: str) -> None:
        self.bound_names.add(name)
        self.binders.setdefault(name, set()).add(scope)

    def _scope_of_declaration(self, declarator: Node) -> Node:
        decl = P.parent(declarator)
        if decl is not None and decl.type == "variable_declaration":  # var: function scoped
            return next((a for a in P.ancestors(declarator) if a.type in _FUNCTIONS), self.root)
        return self._block_of(declarator)

    def _block_of(self, node: Node) -> Node:
        return next((a for a in P.ancestors(node) if a.type in _BLOCKS), self.root)

    def _resolve(self, node: Node, name: str) -> tuple | None:
        """The kind of the value an identifier names at `node`."""
        scope = self._scope_key(node, name)
        if scope is not None:
            return self._binding_kind(self.scopes[scope][name], (scope, name))
        if name not in ROOT_NAMES and self.writes.get(name):  # an undeclared (global) variable
            kind = self._binding_kind(("assigned", name), (None, name))
            if kind == PLATFORM:
                self.uses.platform_globals.add(name)
            return kind
        return _global_kind(name)

    def _scope_key(self, node: Node, name: str) -> tuple | None:
        """The scope that binds `name` where `node` stands, or None (a global)."""
        if name not in self.bound_names:
            return None
        binders = self.binders[name]
        if len(binders) == 1 and self.root_key in binders:
            # Bound in the file's scope alone (a module's `var X_1 = require(…)`, read thousands of times in
            # a TypeScript build): that is where any use of it stands, without a climb to the root.
            return self.root_key
        here = P.parent(node)
        while here is not None:
            key = _key(here)
            bound = self.scopes.get(key)
            if bound is not None and name in bound:
                return key
            here = P.parent(here)
        return None

    def _binding_kind(self, binding: object, ident: tuple | None = None) -> tuple | None:
        """What a binding holds: its declared value combined with every value assigned to it later
        (`var r; … r = tt;` — in its own scope only: a same-named variable elsewhere is another binding)."""
        if binding is None or (isinstance(binding, tuple) and binding and binding[0] not in (
                "declarator", "pattern", "assigned")):
            return binding  # a kind, or None for a shadowing local
        if ident is None or binding[0] == "pattern":
            return self._declared_kind(binding)
        return self._memoized(("binding", ident), lambda: self._assigned_kind(binding, ident),
                              final=lambda: self._complete(ident))  # final once every write is known

    def _assigned_kind(self, binding: tuple, ident: tuple) -> tuple | None:
        writes, opaque = self._writes_in(ident)
        if opaque:
            return None
        kinds = [] if binding[0] == "assigned" else [self._declared_kind(binding)]
        for write in writes:
            kinds.append(self.climbed.get(_key(write)) or self.kind_of(write.child_by_field_name("right")))
        kind = _combine(kinds) if kinds else None
        return None if kind == _CYCLE else kind

    def _memoized(self, key: tuple, compute, final=lambda: True) -> tuple | None:
        """compute(), remembered under `key` once `final()` says it will not change; _CYCLE for a value
        that depends on itself while it is being worked out."""
        if key in self.memo:
            return self.memo[key]
        if key in self.evaluating:
            return _CYCLE
        self.evaluating.add(key)
        try:
            kind = compute()
        finally:
            self.evaluating.discard(key)
        if final():
            self.memo[key] = kind
        return kind

    def _writes_in(self, ident: tuple) -> tuple[list[Node], bool]:
        """(the `name = …` assignments to one binding, whether it is also written opaquely), from the
        name's writes grouped by the scope binding them — each write grouped once, however many
        bindings of the name there are (a minified bundle has thousands of `r`)."""
        name = ident[1]
        groups = self.write_groups.setdefault(name, {})
        seen = self.write_groups_seen.get(name, (0, 0))
        writes, opaque = self.writes.get(name, []), self.opaque_writes.get(name, [])
        for write in writes[seen[0]:]:
            groups.setdefault(self._scope_key(write.child_by_field_name("left"), name), ([], []))[0].append(write)
        for node in opaque[seen[1]:]:
            groups.setdefault(self._scope_key(node, name), ([], []))[1].append(node)
        self.write_groups_seen[name] = (len(writes), len(opaque))
        mine, unknowable = groups.get(ident[0], ((), ()))
        return list(mine), bool(unknowable)

    def _declared_kind(self, binding: tuple) -> tuple | None:
        tag = binding[0]
        if tag == "assigned":
            return None
        declarator = binding[1]
        key = (tag, _key(declarator), _key(binding[2]) if tag == "pattern" else None)

        def compute() -> tuple | None:
            value_kind = self.kind_of(declarator.child_by_field_name("value"))
            if tag == "pattern":
                return self._pattern_kind(declarator.child_by_field_name("name"), binding[2], value_kind)
            return value_kind

        return self._memoized(key, compute)

    def _pattern_kind(self, pattern: Node | None, target: Node, value_kind: tuple | None) -> tuple | None:
        if value_kind is None or pattern is None or pattern.type != "object_pattern":
            return None
        for child in pattern.named_children:
            if child.type == "shorthand_property_identifier_pattern" and _same(child, target):
                return _member(value_kind, P.text(child))
            if child.type == "pair_pattern":
                value = child.child_by_field_name("value")
                if value is not None and value.type == "assignment_pattern":
                    value = value.child_by_field_name("left")
                if _same(value, target):
                    return _member(value_kind, P.property_key(child.child_by_field_name("key")) or "")
        return None

    # ------------------------------------------------------------------ evaluating expressions

    def kind_of(self, node: Node | None, depth: int = 0) -> tuple | None:
        """The kind of an expression's value (top-down, bounded depth)."""
        node = P.unwrap(node)
        if node is None or depth > _MAX_DEPTH:
            return None
        t = node.type
        if t == "identifier":
            name = P.text(node)
            if name == "undefined":
                return NULLISH
            return self._resolve(node, name)
        if t in ("null", "undefined"):
            return NULLISH
        if t == "object" and not node.named_children:
            return NULLISH
        if t == "member_expression":
            obj = P.unwrap(node.child_by_field_name("object"))
            if obj is not None and obj.type == "this":
                return self.this_members.get((_owner_of_this(obj), P.text(node.child_by_field_name("property"))))
            if P.text(node.child_by_field_name("property")) == "window":  # Laya.Browser.window
                return GLOBAL
            return _member(self.kind_of(obj, depth + 1), P.text(node.child_by_field_name("property")))
        if t == "subscript_expression":
            index = P.string_value(node.child_by_field_name("index"))
            if index is None:
                return None
            return _member(self.kind_of(node.child_by_field_name("object"), depth + 1), index)
        if t == "call_expression":
            return _call_result(self.kind_of(node.child_by_field_name("function"), depth + 1), node)
        if t == "ternary_expression":
            return _combine([self.kind_of(node.child_by_field_name("consequence"), depth + 1),
                             self.kind_of(node.child_by_field_name("alternative"), depth + 1)])
        if t == "binary_expression":
            op = P.text(node.child_by_field_name("operator"))
            right = self.kind_of(node.child_by_field_name("right"), depth + 1)
            if op == "&&":
                return right
            if op in ("||", "??"):
                return _combine([self.kind_of(node.child_by_field_name("left"), depth + 1), right])
            return None
        return None

    # ------------------------------------------------------------------ climbing from an occurrence

    def _climb(self, node: Node, kind: tuple) -> None:
        n = node
        while True:
            p = P.parent(n)
            if p is None:
                return
            t = p.type
            if t in P.WRAPPERS:
                n = p
                continue
            # A member's property is a name, never what the climb came from: `n` is its object.
            if t == "member_expression" or (t == "subscript_expression" and _same(p.child_by_field_name("object"), n)):
                if t == "member_expression":
                    prop_node = p.child_by_field_name("property")
                    prop = P.text(prop_node)
                else:
                    prop_node = p.child_by_field_name("index")
                    prop = P.string_value(prop_node)
                    if prop is None:
                        return
                new_kind = _member(kind, prop)
                if new_kind is None:
                    return
                kind, n = new_kind, p
                if kind[0] in ("api", "ext-api"):
                    call, callee = self._call_of(p)
                    if call is not None:  # the usual climb's end, taken here: the next steps would find it again
                        self._record_call(kind, call, callee)
                        kind = _call_result(kind, call)
                        if kind is None:
                            return
                        n = call
                    elif _key(p) not in self.seen_nodes:
                        self.seen_nodes.add(_key(p))
                        above = P.parent(p)
                        chained = above is not None and above.type in ("member_expression", "subscript_expression") \
                            and _same(above.child_by_field_name("object"), p)
                        self.uses.accesses.append(Access(kind[-1], p, chained and kind[0] == "api"))
                elif kind[0] == "web-member":
                    self._web_member(kind, p)
                continue
            if t == "call_expression":
                callee = p.child_by_field_name("function")
                if not _same(callee, n):
                    return
                self._record_call(kind, p, callee)
                kind = _call_result(kind, p)
                if kind is None:
                    return
                n = p
                continue
            if t == "new_expression" and _same(p.child_by_field_name("constructor"), n):
                if kind[0] == "web":
                    self._web(f"new:{kind[1]}", p, n, P.first_argument(p))
                return
            if t == "binary_expression" and kind == PLATFORM and P.text(p.child_by_field_name("operator")) == "in":
                name = P.string_value(p.child_by_field_name("left"))  # `'shareAppMessage' in tt`
                if name and _same(p.child_by_field_name("right"), n):
                    self.uses.accesses.append(Access(name, p))
                return
            if t in ("ternary_expression", "binary_expression"):
                if t == "ternary_expression" and _same(p.child_by_field_name("condition"), n):
                    return
                combined = self.kind_of(p)
                if combined is None or combined in (NULLISH, _CYCLE):
                    return
                kind, n = combined, p
                continue
            if t == "variable_declarator" and _same(p.child_by_field_name("value"), n):
                self._bind_declarator(p, kind)
                return
            if t == "assignment_expression" and _same(p.child_by_field_name("right"), n):
                self._bind_assignment(p.child_by_field_name("left"), kind)
                return
            if t == "assignment_expression" and _same(p.child_by_field_name("left"), n):
                if kind[0] == "api":  # an SDK or the game itself adds a member to the platform object
                    self.uses.declared.add(kind[1])
                elif kind[0] in ("web", "web-member", "element-member"):
                    self._web("assign:" + ".".join(kind[1:]), p, n, p.child_by_field_name("right"))
                return
            if t in ("field_definition", "public_field_definition") and _same(p.child_by_field_name("value"), n):
                name_node = p.child_by_field_name("property") or p.child_by_field_name("name")
                self._set_this_member(_key(P.parent(p)), P.text(name_node), kind)
                return
            if t == "return_statement" or (t == "arrow_function" and _same(p.child_by_field_name("body"), n)):
                self._function_returns(p, kind)
                return
            return

    def _call_of(self, member: Node) -> tuple[Node, Node] | tuple[None, None]:
        """The call whose callee `member` is (through parentheses and casts), and the call's function
        child; (None, None) when it is not called."""
        n = member
        p = P.parent(n)
        t = p.type if p is not None else None
        while t in P.WRAPPERS:
            n, p = p, P.parent(p)
            t = p.type if p is not None else None
        if t == "call_expression":
            # A call's other children are its arguments (or template), `?.` and type arguments: a member,
            # or a wrapper of one, right under it is its function.
            return p, n
        return None, None

    def _record_call(self, kind: tuple, call: Node, at: Node) -> None:
        """Record a call of a `kind` callee once, however many climbs reach it; `at`, the call's function
        child, is where findings point."""
        if call in self.seen_calls:
            return
        self.seen_calls.add(call)
        # A plain call has two children, its function and arguments; `?.` (JS and TypeScript trees) is a third.
        optional = call.child_count > 2 and any(c.type in ("optional_chain", "?.") for c in call.children)
        if kind[0] == "api":
            # One str per API name, not one per call: a bundle's thousands share it, and its hash.
            self.uses.calls.append(Call(self.names.setdefault(kind[1], kind[1]), call, at, optional))
            if kind[1] == "postMessage":
                self.uses.posts.append(Post(call, P.first_argument(call)))
        elif kind[0] == "inferred-api":
            self.uses.calls.append(Call(kind[1], call, at, optional, inferred=True))
        elif kind[0] == "ext-api":
            self.uses.calls.append(Call(kind[3], call, at, optional, condition=(kind[1], kind[2])))
        elif kind[0] == "ttminis-member":
            self.uses.calls.append(Call(kind[1], call, at, optional, namespace_mistake=True))
        elif kind == POST:
            self.uses.posts.append(Post(call, P.first_argument(call)))
        elif kind[0] in ("web", "web-member"):
            self._web("call:" + ".".join(kind[1:]), call, at, P.first_argument(call))

    def _web(self, what: str, node: Node, at: Node, value: Node | None) -> None:
        self.uses.web.append(WebUse(what, node, at, value))

    def _web_member(self, kind: tuple, member: Node) -> None:
        if kind[1:] == ("navigator", "clipboard"):
            self._web("read:navigator.clipboard", member, member, None)

    def _bind_declarator(self, declarator: Node, kind: tuple) -> None:
        """Bind what a declarator's value is; `kind` (found by climbing to it) is remembered, because a
        value that only an inferred call explains cannot be re-derived from the value alone."""
        name = declarator.child_by_field_name("name")
        if name is None:
            return
        scope = self._scope_of_declaration(declarator)
        if name.type == "identifier":
            self.memo.setdefault(("declarator", _key(declarator), None), kind)
            self._bind(scope, P.text(name), ("declarator", declarator))
            self._follow(P.text(name), scope)
            return
        if name.type == "object_pattern":
            for child in name.named_children:
                target = None
                if child.type == "shorthand_property_identifier_pattern":
                    target = child
                elif child.type == "pair_pattern":
                    target = child.child_by_field_name("value")
                    if target is not None and target.type == "assignment_pattern":
                        target = target.child_by_field_name("left")
                if target is not None and target.type in ("identifier", "shorthand_property_identifier_pattern"):
                    self.memo.setdefault(("pattern", _key(declarator), _key(target)),
                                         self._pattern_kind(name, target, kind))
                    self._bind(scope, P.text(target), ("pattern", declarator, target))
                    self._follow(P.text(target), scope)

    def _bind_assignment(self, left: Node | None, kind: tuple) -> None:
        left = P.unwrap(left)
        if left is None:
            return
        if left.type == "identifier":
            self.climbed.setdefault(_key(P.parent(left)), kind)
            name = P.text(left)
            self._follow(name, self._assignment_scope(left, name))
        elif left.type == "member_expression":
            obj = P.unwrap(left.child_by_field_name("object"))
            prop = P.text(left.child_by_field_name("property"))
            if obj is not None and obj.type == "this":
                self.climbed.setdefault(_key(P.parent(left)), kind)
                self._set_this_member(_owner_of_this(obj), prop, kind)
            elif obj is not None and obj.type == "identifier" and P.text(obj) in GLOBAL_NAMES and prop:
                # `GameGlobal.__env = GameGlobal.wx || GameGlobal.tt`: a global that code elsewhere names
                # bare (`__env.createCanvas()`), as an undeclared `__env = …` would make it.
                assignment = P.parent(left)
                self.climbed.setdefault(_key(assignment), kind)
                self.writes.setdefault(prop, []).append(assignment)
                self._follow(prop, None)
            elif kind == PLATFORM and P.text(left) == "module.exports":
                self.uses.exports.add("default")
            elif kind == PLATFORM and P.text(obj) in ("module.exports", "exports"):
                self.uses.exports.add(prop)

    def _set_this_member(self, owner: tuple | None, name: str, kind: tuple) -> None:
        if name and kind not in (NULLISH, _CYCLE):
            self.this_candidates.setdefault((owner, name), kind)
            self.new_members.add(name)

    def _this_occurrences(self, names: set[str]) -> list[tuple[Node, tuple]]:
        """`this.<name>` reads to climb from: a member is the platform in its owner only when every
        `this.<name> = …` there gives it the same platform object."""
        found = [P.parent(n) for n in P.word_nodes(self.root, self.source, names, ("property_identifier",))
                 if P.parent(n) is not None and P.parent(n).type == "member_expression"
                 and _same(P.parent(n).child_by_field_name("property"), n)
                 and P.unwrap(P.parent(n).child_by_field_name("object")) is not None
                 and P.unwrap(P.parent(n).child_by_field_name("object")).type == "this"]
        assigned: dict[tuple, list[Node]] = {}
        reads: list[tuple[tuple, Node]] = []
        for member in found:
            owner = (_owner_of_this(member.child_by_field_name("object")), P.text(member.child_by_field_name("property")))
            parent = P.parent(member)
            if parent is not None and parent.type == "assignment_expression" and \
                    _same(parent.child_by_field_name("left"), member):
                assigned.setdefault(owner, []).append(parent)
            elif parent is not None and parent.type in ("augmented_assignment_expression", "update_expression"):
                assigned.setdefault(owner, []).append(parent)
            else:
                reads.append((owner, member))
        for owner, kind in list(self.this_candidates.items()):
            if owner in self.this_members:
                continue
            kinds = [kind]
            for site in assigned.get(owner, ()):
                if site.type != "assignment_expression":
                    kinds.append(None)
                elif _key(site) not in self.climbed:
                    kinds.append(self.kind_of(site.child_by_field_name("right")))
            combined = _combine(kinds)
            self.this_members[owner] = combined if combined not in (NULLISH, _CYCLE) else None
        return [(member, self.this_members[owner]) for owner, member in reads if self.this_members.get(owner)]

    def _note_write(self, node: Node) -> None:
        """Remember an assignment to a followed name (see _binding_kind)."""
        parent = P.parent(node)
        if parent is None or node.type != "identifier":
            return
        t = parent.type
        if t not in _WRITING:
            return
        if t == "assignment_expression" and _same(parent.child_by_field_name("left"), node):
            self.writes.setdefault(P.text(node), []).append(parent)
        elif t in ("augmented_assignment_expression", "update_expression") or (
                t in ("array_pattern", "object_pattern", "pair_pattern", "shorthand_property_identifier_pattern")
                and not any(a.type in ("variable_declarator", "formal_parameters") for a in P.ancestors(node))):
            self.opaque_writes.setdefault(P.text(node), []).append(node)

    def _function_returns(self, at: Node, kind: tuple) -> None:
        """A function whose every return gives the same platform object makes its calls that object:
        `function getRuntime() { return globalThis.wx ?? null }`, `getApi = () => tt`, class methods."""
        fn = at if at.type == "arrow_function" else next((a for a in P.ancestors(at) if a.type in _FUNCTIONS), None)
        if fn is None or kind in (NULLISH, _CYCLE):
            return
        self.climbed.setdefault(_key(at), kind)
        body = fn.child_by_field_name("body")
        kinds = []
        if body is not None and body.type == "statement_block":
            for node in _own_returns(body):
                value = node.named_children[0] if node.named_children else None
                kinds.append(self.climbed.get(_key(node)) or (self.kind_of(value) if value is not None else NULLISH))
        else:
            kinds.append(kind)
        result = _combine(kinds)
        if result is None or result in (NULLISH, _CYCLE):
            return
        returns = ("returns", result)
        holder = P.parent(fn)
        if fn.type in ("function_declaration", "generator_function_declaration"):
            name = fn.child_by_field_name("name")
            if name is not None:
                scope = self._block_of(fn)
                self._binds(_key(scope), P.text(name))
                self.scopes.setdefault(_key(scope), {})[P.text(name)] = returns
                self._follow(P.text(name), scope)
        elif fn.type == "method_definition":
            self._set_this_member(_key(holder) if holder is not None else None,
                                  P.property_key(fn.child_by_field_name("name")) or "", returns)
        elif holder is not None and holder.type == "variable_declarator":
            name = holder.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                self.memo[("declarator", _key(holder), None)] = returns
                scope = self._scope_of_declaration(holder)
                self._bind(scope, P.text(name), ("declarator", holder))
                self._follow(P.text(name), scope)
        elif holder is not None and holder.type == "pair" and P.parent(holder) is not None:
            self._set_this_member(_key(P.parent(holder)), P.property_key(holder.child_by_field_name("key")) or "", returns)




class _Spans:
    """Byte ranges, kept sorted and merged: whether one is covered is a binary search (a minified
    bundle's `r` is searched in thousands of functions)."""

    def __init__(self, spans=()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for span in spans:
            self.add(span)

    def covers(self, span: tuple[int, int]) -> bool:
        i = bisect_right(self.starts, span[0]) - 1
        return i >= 0 and self.ends[i] >= span[1]

    def add(self, span: tuple[int, int]) -> None:
        start, end = span
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] >= start:  # overlaps or touches the range before it
            start, end = self.starts[i], max(end, self.ends[i])
            del self.starts[i], self.ends[i]
        else:
            i += 1
        while i < len(self.starts) and self.starts[i] <= end:  # swallow the ranges it reaches
            end = max(end, self.ends[i])
            del self.starts[i], self.ends[i]
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _owner_of_this(this: Node | None) -> tuple | None:
    """What `this` means where it stands: the class body or object literal whose method holds it, or
    None (a plain function: the file as a whole)."""
    in_method = False
    for p in P.ancestors(this) if this is not None else ():
        t = p.type
        if t == "class_body":
            return _key(p)
        if t == "object" and in_method:
            return _key(p)
        if t in ("method_definition", "function_expression", "function", "generator_function"):
            in_method = True
        elif t in ("function_declaration", "generator_function_declaration"):
            return None
    return None


def _own_returns(body: Node):
    """The return statements of a function body, not those of functions nested in it."""
    pending = [body]
    while pending:
        node = pending.pop()
        for child in node.named_children:
            if child.type == "return_statement":
                yield child
            elif child.type not in _FUNCTIONS and child.type != "class_body":
                pending.append(child)


def _global_kind(name: str) -> tuple | None:
    if name in PLATFORM_NAMES:
        return PLATFORM
    if name in OTHER_PLATFORM_GLOBALS:
        return NULLISH
    if name in GLOBAL_NAMES:
        return GLOBAL
    if name == "TTMinis":
        return TTMINIS
    if name in WEB_NAMES:
        return ("web", name)
    return None


def _member(kind: tuple | None, prop: str) -> tuple | None:
    if kind is None:
        return None
    tag = kind[0]
    if tag == "platform":
        return ("api", prop)
    if tag == "global":
        if prop in PLATFORM_NAMES:
            return PLATFORM
        if prop in OTHER_PLATFORM_GLOBALS:
            return NULLISH
        if prop == "TTMinis":
            return TTMINIS
        if prop in WEB_NAMES:
            return ("web", prop)
        return None
    if tag == "ttminis":
        return PLATFORM if prop == "game" else ("ttminis-member", prop)
    if tag == "inferred":
        return ("inferred-api", prop) if prop in INFERRED_MEMBERS else None
    if tag == "ext-ns":
        return ("ext", kind[1], prop)
    if tag == "ext":
        return ("ext-api", kind[1], kind[2], prop)
    if tag == "context":
        return POST if prop == "postMessage" else None
    if tag == "web":
        if kind[1] == "parent" and prop != "postMessage":
            return None
        return ("web-member", kind[1], prop)
    if tag == "element":
        return ("element-member", kind[1], prop)
    return None


def _call_result(kind: tuple | None, call: Node) -> tuple | None:
    if kind is None:
        return None
    if kind[0] == "returns":
        return kind[1]
    if kind in (("api", "getOpenDataContext"), ("inferred-api", "getOpenDataContext")) or (
            kind[0] == "ext-api" and kind[3] == "getOpenDataContext"):
        return CONTEXT
    if kind == ("web-member", "document", "createElement"):
        tag = P.string_value(P.first_argument(call))
        return ("element", tag.lower()) if tag else None
    return None


def _combine(kinds: list[tuple | None]) -> tuple | None:
    """A value that can only be one kind of platform object (the others nullish or a cycle)."""
    real = {k for k in kinds if k not in (NULLISH, _CYCLE)}
    if len(real) == 1 and None not in real:
        return real.pop()
    if not real and _CYCLE in kinds:
        return _CYCLE
    return None


def find_uses(lang: str, root: Node, source: bytes, scan: dict[str, list[Node]] | None = None) -> Uses:
    """Every platform call, platform member read, context post and web-global use in a tree.

    `scan` is what lint.scan found in the file, when the caller already ran it."""
    if scan is None:
        scan = scan_file(root, source)
    return _Finder(lang, root, source, scan).run()
