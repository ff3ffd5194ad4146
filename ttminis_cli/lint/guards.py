"""Where code already copes with a platform member's absence (DESIGN §4 "Guards").

Three kinds of guard, each read from the tree around a call:

- a feature test of the member: `canIUse('<api>…')`, `if (tt.x)`, `typeof tt.x === 'function'`, an
  optional call `api.x?.(…)`, directly or through a variable, property or helper holding the check;
- a surrounding `try { … } catch` (the call may throw; TTM206 only);
- a branch taken only on another platform: the condition is false on TikTok (`typeof tt ===
  'undefined'`, `isWeChat` where `const isWeChat = !(typeof tt !== 'undefined') && …`, Cocos'
  `sys.platform === sys.WECHAT_GAME`), read as TikTok would run it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ttminis_cli.lint import parse as P
from ttminis_cli.lint.scan import OTHER_PLATFORM_GLOBALS

if TYPE_CHECKING:
    from tree_sitter import Node

    from ttminis_cli.lint.calls import Call
    from ttminis_cli.lint.model import FileModel

# What `typeof <name>` is when TikTok runs the game. `tt` is always there; `wx` is there for ported
# games on newer clients, so it decides nothing; the other mini-game platforms' globals never are.
_TYPEOF_ON_TIKTOK = {"tt": "object"}
# What the open data domain lacks besides (DESIGN §1: no network, DOM or local storage there): a test of
# it is false there, so the code it guards never runs in that domain.
_TYPEOF_IN_OPEN_DATA = {**_TYPEOF_ON_TIKTOK, **{name: "undefined" for name in (
    "document", "localStorage", "sessionStorage", "XMLHttpRequest", "WebSocket", "fetch")}}
_GLOBAL_HOLDERS = ("window.", "GameGlobal.", "globalThis.", "self.", "global.")
# Engines' platform constants that name another platform's mini-game runtime (Cocos `sys.WECHAT_GAME`,
# `cc.sys.Platform.WECHAT_GAME`): a game built for TikTok never runs with them.
_OTHER_PLATFORM_CONSTANTS = frozenset({"WECHAT_GAME", "WECHAT_MINI_PROGRAM", "QQ_PLAY", "BAIDU_GAME",
                                       "BAIDU_MINI_GAME", "VIVO_GAME", "VIVO_MINI_GAME", "OPPO_GAME",
                                       "OPPO_MINI_GAME", "HUAWEI_GAME", "HUAWEI_QUICK_GAME", "XIAOMI_GAME",
                                       "XIAOMI_QUICK_GAME", "ALIPAY_GAME", "ALIPAY_MINI_GAME", "TAOBAO_MINI_GAME",
                                       "HONOR_MINI_GAME", "MIGU_MINI_GAME", "LINKSURE_MINI_GAME",
                                       "QTT_MINI_GAME", "COCOSPLAY", "JKW_GAME", "RUNTIME_BASED"})
# LayaAir's runtime flags (`Laya.Browser.onMiniGame`: WeChat; Laya 2 clears it and sets onTTMiniGame
# whenever `tt` exists) and Cocos Creator 3's build flags (`import { WECHAT } from 'cc/env'`).
_LAYA_OTHER_PLATFORM = frozenset({"onMiniGame", "onWeiXin", "onQQMiniGame", "onQGMiniGame", "onVVMiniGame",
                                  "onBDMiniGame", "onKGMiniGame", "onHWMiniGame", "onAlipayMiniGame",
                                  "onTBMiniGame", "onBLMiniGame", "onQTTMiniGame"})
_LAYA_TIKTOK = frozenset({"onTTMiniGame"})
_COCOS_ENV_OTHER_PLATFORM = frozenset({"WECHAT", "WECHAT_MINI_PROGRAM", "ALIPAY", "TAOBAO", "TAOBAO_MINIGAME",
                                       "BAIDU", "XIAOMI", "OPPO", "VIVO", "HUAWEI", "HONOR", "QTT", "LINKSURE",
                                       "COCOSPLAY", "MIGU", "RUNTIME_BASED"})
_COCOS_ENV_TIKTOK = frozenset({"BYTEDANCE"})
_MAX_DEPTH = 12
_MAX_USES = 400  # a platform flag is a name of few uses
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                        "method_definition", "generator_function_declaration", "generator_function"})


def guards_of(model: FileModel) -> Guards:
    """The file's Guards, one for every rule that asks (what they work out is kept)."""
    guards = model.memo.get("guards")
    if guards is None:
        guards = model.memo["guards"] = Guards(model)
    return guards


class Guards:
    """The guards of one file, built on first use."""

    def __init__(self, model: FileModel) -> None:
        self.model = model
        self.by_api: dict[str, list[Node]] | None = None
        self._values: dict[str, bool | None] = {}  # a name's value on TikTok (see _name_value)
        self._evaluating: set[str] = set()
        self._exits_by_block: dict[Node, list[tuple[int, Node]]] = {}
        self._typeof_names: dict[str, str] | None = None

    # ------------------------------------------------------------------ feature tests

    def feature_tested(self, call: Call) -> bool:
        """Whether the call is an optional call or sits where a feature test of its member passed."""
        return call.optional or self.member_tested(call.api, call.node)

    def member_tested(self, api: str, node: Node) -> bool:
        """Whether `node` sits where a feature test of the member `api` passed."""
        if self.by_api is None:
            self.by_api = self._build()
        guards = self.by_api.get(api)
        if not guards:
            return False
        n = node
        for p in P.ancestors(node):
            t = p.type
            if t in ("if_statement", "ternary_expression", "while_statement"):
                cond = p.child_by_field_name("condition")
                if cond is not None and not P.contains(cond, n) and _any_in(cond, guards):
                    # In the branch taken when the test passes, a test that is only ever negated (`if
                    # (!wx.x) { wx.x() }`) is no guard: that branch runs exactly when the member is missing.
                    if not (_taken_when_true(p, n) and _only_negated(cond, guards)):
                        return True
            elif t == "binary_expression" and P.text(p.child_by_field_name("operator")) in ("&&", "||"):
                left = p.child_by_field_name("left")
                if left is not None and not P.contains(left, n) and _any_in(left, guards):
                    if not (P.text(p.child_by_field_name("operator")) == "&&" and _only_negated(left, guards)):
                        return True  # `!wx.x && wx.x()` calls it when it is missing
            elif t in ("statement_block", "program", "switch_case", "class_body"):
                for start, statement in self._early_exits(p):
                    if start >= n.start_byte:
                        break
                    cond = statement.child_by_field_name("condition")
                    if cond is not None and _any_in(cond, guards):
                        return True
            n = p
        return False

    def _build(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = {}
        for call in self.model.uses.calls:
            if call.api in ("canIUse", "hasOwnProperty"):  # canIUse('x.object.y'), tt.hasOwnProperty('x')
                schema = P.string_value(P.first_argument(call.node))
                if schema:
                    out.setdefault(schema.split(".")[0], []).append(call.node)
        for access in self.model.uses.accesses:
            out.setdefault(access.api, []).append(access.node)
        # The names that hold a test's result (`const canShare = !!tt.shareAppMessage`) test it too, where
        # it matters: for a member some call or chained use of this file is asked about. A TypeScript
        # build's `X_1.default` reads of its own modules are thousands, and their holders would otherwise
        # all be searched for in the whole file.
        asked = {call.api for call in self.model.uses.calls} | {a.api for a in self.model.uses.accesses if a.chained}
        derived: dict[str, str] = {}
        for api, nodes in out.items():
            if api not in asked:
                continue
            for node in nodes:
                name = _holder_name(node)
                if name:
                    derived[name] = api
        if derived and self.model.root is not None:
            for node in P.word_nodes(self.model.root, self.model.source, derived, ("identifier", "property_identifier")):
                out.setdefault(derived[P.text(node)], []).append(node)
        return out

    # ------------------------------------------------------------------ try / catch

    @staticmethod
    def in_try(call: Call) -> bool:
        """Inside the block of a `try` that has a catch, in the same function: a throw is handled."""
        n = call.node
        for p in P.ancestors(call.node):
            if p.type == "try_statement":
                body = p.child_by_field_name("body")
                if body is not None and _same(body, n) and p.child_by_field_name("handler") is not None:
                    return True
            if p.type in _FUNCTIONS:
                return False
            n = p
        return False

    # ------------------------------------------------------------------ another platform's branch

    def other_platform_only(self, node: Node) -> bool:
        """Whether TikTok never runs `node`: it sits in a branch whose condition is false there, or after
        an early exit whose condition is true there."""
        n = node
        for p in P.ancestors(node):
            t = p.type
            if t in ("if_statement", "ternary_expression"):
                cond = p.child_by_field_name("condition")
                if cond is not None and not P.contains(cond, n):
                    taken = _same(p.child_by_field_name("consequence"), n)
                    if self.value(cond) is (not taken):
                        return True
            elif t == "else_clause":
                pass  # its if_statement, one step up, sees it as not the consequence
            elif t == "binary_expression" and _same(p.child_by_field_name("right"), n):
                op = P.text(p.child_by_field_name("operator"))
                if op in ("&&", "||") and self.value(p.child_by_field_name("left")) is (op == "||"):
                    return True
            elif t in ("statement_block", "program", "switch_case"):
                for start, statement in self._early_exits(p):
                    if start >= n.start_byte:
                        break
                    if statement.child_by_field_name("alternative") is None \
                            and self.value(statement.child_by_field_name("condition")) is True:
                        return True
            n = p
        return False

    def _early_exits(self, block: Node) -> list[tuple[int, Node]]:
        """The `if (…) return/throw` statements directly in a block, in order, found once per block: a
        bundle's program holds tens of thousands of statements, and every call in it asks."""
        found = self._exits_by_block.get(block)
        if found is None:
            found = self._exits_by_block[block] = [
                (child.start_byte, child) for child in block.named_children
                if child.type == "if_statement" and _exits(child.child_by_field_name("consequence"))]
        return found

    def value(self, expr: Node | None, depth: int = 0) -> bool | None:
        """The truth of a condition when TikTok runs it: True, False, or None (cannot tell)."""
        node = P.unwrap(expr)
        if node is None or depth > _MAX_DEPTH:
            return None
        t = node.type
        if t == "unary_expression" and P.text(node.child_by_field_name("operator")) == "!":
            inner = self.value(node.child_by_field_name("argument"), depth + 1)
            return None if inner is None else not inner
        if t == "binary_expression":
            op = P.text(node.child_by_field_name("operator"))
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if op in ("&&", "||"):
                a, b = self.value(left, depth + 1), self.value(right, depth + 1)
                if op == "&&":
                    return False if False in (a, b) else (True if a is True and b is True else None)
                return True if True in (a, b) else (False if a is False and b is False else None)
            if op in ("===", "!==", "==", "!="):
                same = _compare(left, right, self._typeof())
                return None if same is None else (same if op in ("===", "==") else not same)
            return None
        if t in ("identifier", "member_expression"):
            text = P.text(node)
            if _strip_holder(text) == "tt":
                return True  # the platform object is there
            if _strip_holder(text) in OTHER_PLATFORM_GLOBALS:
                return False
            if t == "member_expression":
                prop = P.text(node.child_by_field_name("property"))
                if prop in _LAYA_OTHER_PLATFORM or prop in _LAYA_TIKTOK:
                    return prop in _LAYA_TIKTOK
            elif text in _COCOS_ENV_OTHER_PLATFORM or text in _COCOS_ENV_TIKTOK:
                flag = self._cocos_env(node)
                if flag is not None:
                    return flag
            return self._name_value(node)
        return None

    def _typeof(self) -> dict[str, str]:
        """What `typeof name` is where this file runs, by name: the platform and the globals that hold
        it (`GameGlobal.__env = wx || tt`, then `__env`) are objects; in the open data domain, what it
        lacks is undefined."""
        if self._typeof_names is None:
            names = dict(_TYPEOF_IN_OPEN_DATA if self.model.open_data else _TYPEOF_ON_TIKTOK)
            names.update(dict.fromkeys(self.model.uses.platform_globals, "object"))
            self._typeof_names = names
        return self._typeof_names

    def _cocos_env(self, node: Node) -> bool | None:
        """Cocos Creator 3's build flags, when the name is imported from 'cc/env'."""
        name = P.text(node)
        for found in P.word_nodes(self.model.root, self.model.source, [name], ("identifier",)):
            specifier = P.parent(found)
            statement = specifier
            while statement is not None and statement.type != "import_statement":
                statement = P.parent(statement)
            if specifier is not None and specifier.type == "import_specifier" and statement is not None \
                    and P.string_value(statement.child_by_field_name("source")) == "cc/env":
                imported = P.text(specifier.child_by_field_name("name"))
                return imported in _COCOS_ENV_TIKTOK
        return None

    def _name_value(self, node: Node) -> bool | None:
        """A constant holding a platform test: `const isWeChat = …`, `{ isWeChat: … }`, `this.isWeChat =
        …` — known when every definition of that name in the file says the same."""
        if node.type == "identifier":
            name = P.text(node)
        else:
            prop = node.child_by_field_name("property")
            if prop is None or prop.type != "property_identifier":
                return None
            name = P.text(prop)
        if name in self._values:
            return self._values[name]
        if name in self._evaluating or self.model.root is None:
            return None
        self._evaluating.add(name)
        try:
            values, opaque = set(), False
            found = P.word_nodes(self.model.root, self.model.source, [name], ("identifier", "property_identifier"),
                                 limit=_MAX_USES)
            if found is None:  # a name used everywhere (a minified bundle's `e`) is no platform flag
                opaque = True
            for node in found or ():
                value, written = _definition(node)
                if written:
                    opaque = True
                elif value is not None:
                    values.add(self.value(value, 1))
            answer = values.pop() if len(values) == 1 and not opaque else None
        finally:
            self._evaluating.discard(name)
        self._values[name] = answer
        return answer


def _definition(node: Node) -> tuple[Node | None, bool]:
    """(the value a definition of this name gives it, whether it is written otherwise): a declarator,
    an object-literal key, an assignment to it or to `x.name`; an augmented assignment leaves it unknown."""
    parent = P.parent(node)
    if parent is None:
        return None, False
    t = parent.type
    if t == "variable_declarator" and _same(parent.child_by_field_name("name"), node):
        return parent.child_by_field_name("value"), False
    if t == "pair" and _same(parent.child_by_field_name("key"), node):
        return parent.child_by_field_name("value"), False
    target = node
    if t == "member_expression" and _same(parent.child_by_field_name("property"), node):
        target, parent = parent, P.parent(parent)
    if parent is not None and parent.type in ("assignment_expression", "augmented_assignment_expression") \
            and _same(parent.child_by_field_name("left"), target):
        if parent.type == "augmented_assignment_expression":
            return None, True
        return parent.child_by_field_name("right"), False
    return None, False


def _compare(a: Node | None, b: Node | None, typeof: dict[str, str]) -> bool | None:
    """`typeof tt === 'undefined'`, `sys.platform === sys.WECHAT_GAME`: whether the two sides are equal
    on TikTok, or None. `typeof`: what `typeof name` is there, by name."""
    for left, right in ((a, b), (b, a)):
        left, right = P.unwrap(left), P.unwrap(right)
        if left is None or right is None:
            continue
        if left.type == "unary_expression" and P.text(left.child_by_field_name("operator")) == "typeof":
            literal = P.string_value(right)
            if literal is None:
                continue
            name = _strip_holder(P.text(P.unwrap(left.child_by_field_name("argument"))))
            if name in typeof:
                if literal == typeof[name]:
                    return True
                return False if literal == "undefined" or typeof[name] == "undefined" else None
            if name in OTHER_PLATFORM_GLOBALS:
                return literal == "undefined"
            return None
        if right.type == "member_expression" and P.text(right.child_by_field_name("property")) \
                in _OTHER_PLATFORM_CONSTANTS and P.text(left).endswith("platform"):
            return False
    return None


def _strip_holder(text: str) -> str:
    for holder in _GLOBAL_HOLDERS:
        if text.startswith(holder):
            return text[len(holder):]
    return text


def _same(a: Node | None, b: Node | None) -> bool:
    return a is not None and b is not None and a.start_byte == b.start_byte and a.end_byte == b.end_byte \
        and a.kind_id == b.kind_id


def _any_in(outer: Node, guards: list[Node]) -> bool:
    return any(P.contains(outer, g) for g in guards)


def _taken_when_true(statement: Node, n: Node) -> bool:
    """Whether `n` (a child of an if, ternary or while) is what runs when its condition holds."""
    branch = statement.child_by_field_name("consequence") or statement.child_by_field_name("body")
    return branch is not None and P.contains(branch, n)


def _only_negated(cond: Node, guards: list[Node]) -> bool:
    """Whether every test of the member inside `cond` stands under an odd number of `!`."""
    found = False
    for g in guards:
        if not P.contains(cond, g):
            continue
        found = True
        negations = 0
        a = g
        while a is not None:  # from the test itself up to the condition, never past it
            if a.type == "unary_expression" and P.text(a.child_by_field_name("operator")) == "!":
                negations += 1
            if a == cond:
                break
            a = P.parent(a)
        if negations % 2 == 0:
            return False
    return found


def _exits(node: Node | None) -> bool:
    if node is None:
        return False
    if node.type in ("return_statement", "throw_statement", "break_statement", "continue_statement"):
        return True
    if node.type == "statement_block":
        return any(c.type in ("return_statement", "throw_statement") for c in node.named_children)
    return False


def _holder_name(guard: Node) -> str | None:
    """The variable, property or function that holds a guard's result, if any."""
    returned = False
    for p in P.ancestors(guard):
        t = p.type
        if t == "return_statement":
            returned = True
        elif t == "variable_declarator":
            name = p.child_by_field_name("name")
            return P.text(name) if name is not None and name.type == "identifier" else None
        elif t == "assignment_expression":
            left = p.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                return P.text(left.child_by_field_name("property"))
            return P.text(left) if left is not None and left.type == "identifier" else None
        elif t in ("field_definition", "public_field_definition"):
            return P.text(p.child_by_field_name("property") or p.child_by_field_name("name"))
        elif t in ("function_declaration", "method_definition"):
            return P.text(p.child_by_field_name("name")) if returned else None
        elif t in ("arrow_function", "function_expression"):
            body = p.child_by_field_name("body")
            if not returned and (body is None or body.type == "statement_block"):
                return None
            holder = P.parent(p)
            if holder is not None and holder.type == "variable_declarator":
                return P.text(holder.child_by_field_name("name"))
            if holder is not None and holder.type == "pair":
                return P.property_key(holder.child_by_field_name("key"))
            return None
        elif t in ("if_statement", "expression_statement", "program") or (t == "statement_block" and not returned):
            return None
    return None
