#!/usr/bin/env python3
"""Generate wechat_api.txt: every member of the `wx` object in WeChat's official
mini-game typings (npm package `minigame-api-typings`).

Usage:
    npm pack minigame-api-typings && tar xzf minigame-api-typings-*.tgz
    python3 scripts/wechat_api_names.py path/to/package [--extras extras.txt] > wechat_api.txt

The script parses every .d.ts file under <package>/types with tree-sitter's
TypeScript grammar, finds the type of the global `wx` (`declare const wx: X`),
collects all members of every declaration of interface X (declaration merging:
all `interface Wx` bodies in all files and namespaces are combined, including
`extends` clauses, resolved recursively), i.e. method signatures (overloads
counted once) and property signatures (e.g. `env`, `cloud`).  Members of other
interfaces (WxCloud, FileSystemManager, ...) are NOT wx members and are not
listed; `wx.cloud` itself is a property of Wx and is listed.

Names the typings dropped but WeChat documented (still found in ported games)
are added from the built-in EXTRAS table below (each with its reason, printed in
the header); --no-extras disables them, --extras FILE adds more
(`name  # reason` per line).

Dependencies: Python stdlib + tree_sitter + tree_sitter_typescript.
"""
import argparse
import datetime
import json
import os
import sys

import tree_sitter_typescript as tsts
from tree_sitter import Language, Parser

TS = Language(tsts.language_typescript())
PARSER = Parser(TS)


# Names that are not (or no longer) members of `interface Wx` in the current
# typings but were real, documented wx.* mini-game APIs.  The typings version
# ranges come from extracting `interface Wx` at every commit of
# github.com/wechat-miniprogram/minigame-api-typings.
EXTRAS = [
    ("batchGetStorage", "typings 3.6.0 only; doc developers.weixin.qq.com/minigame/dev/api/storage/wx.batchGetStorage.html"),
    ("batchGetStorageSync", "typings 3.6.0 only; doc developers.weixin.qq.com/minigame/dev/api/storage/wx.batchGetStorageSync.html"),
    ("batchSetStorage", "typings 3.6.0 only; doc developers.weixin.qq.com/minigame/dev/api/storage/wx.batchSetStorage.html"),
    ("batchSetStorageSync", "typings 3.6.0 only; doc developers.weixin.qq.com/minigame/dev/api/storage/wx.batchSetStorageSync.html"),
    ("checkIsUserAdvisedToRest", "typings 2.6.5-3.6.0 (anti-addiction); doc developers.weixin.qq.com/minigame/dev/api/open-api/anti-addiction/wx.checkIsUserAdvisedToRest.html"),
    ("createGameBanner", "typings 3.2.0-3.7.3 (game recommendation widget, deprecated); doc developers.weixin.qq.com/minigame/dev/api/game-portal/wx.createGameBanner.html"),
    ("createGameIcon", "typings 3.2.0-3.7.3 (game recommendation widget, deprecated); doc developers.weixin.qq.com/minigame/dev/api/game-portal/wx.createGameIcon.html"),
    ("createGamePortal", "typings 3.2.0-3.7.3 (game recommendation widget, deprecated); doc developers.weixin.qq.com/minigame/dev/api/game-portal/wx.createGamePortal.html"),
    ("getFileInfo", "typings 3.3.0-3.6.0 (deprecated, use FileSystemManager.getFileInfo); doc developers.weixin.qq.com/minigame/dev/api/file/wx.getFileInfo.html"),
    ("getUserGameLabel", "typings 2.10.2-2.10.4 (open data context); doc developers.weixin.qq.com/minigame/dev/api/open-api/user-info/wx.getUserGameLabel.html"),
    ("getUserProfile", "typings 3.3.0 only; doc developers.weixin.qq.com/minigame/dev/api/open-api/user-info/wx.getUserProfile.html"),
    ("markScene", "typings 2.10.2-3.0.0; doc developers.weixin.qq.com/minigame/dev/api/base/performance/wx.markScene.html"),
    ("offMenuButtonBoundingClientRectWeightChange", "typings 3.8.4-3.8.9; pair of onMenuButtonBoundingClientRectWeightChange"),
    ("onMenuButtonBoundingClientRectWeightChange", "typings 3.8.4-3.8.9; doc developers.weixin.qq.com/minigame/dev/api/ui/menu/wx.onMenuButtonBoundingClientRectWeightChange.html"),
    ("routeJSServer", "typings 2.10.3-2.10.4 (open data context); doc developers.weixin.qq.com/minigame/dev/api/open-api/data/wx.routeJSServer.html"),
    ("postMessage", "never in the typings; legacy open-data-context call still found in older ported games (Cocos/Laya-era samples); named in the previous list's header but missing from its names, uncertain (current docs: wx.getOpenDataContext().postMessage)"),
    ("getFriendUserGameData", "never in the typings; early open-data name (now wx.getFriendCloudStorage), kept from the previous list (uncertain)"),
]


def text(node, src):
    return src[node.start_byte:node.end_byte].decode("utf-8")


def walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def namespace_path(node, src):
    """Qualified namespace path enclosing node, e.g. ['WechatMinigame']."""
    parts = []
    p = node.parent
    while p is not None:
        if p.type in ("internal_module", "module"):
            name = p.child_by_field_name("name")
            if name is not None:
                parts.append(text(name, src).strip("'\""))
        p = p.parent
    return list(reversed(parts))


def member_name(node, src):
    name = node.child_by_field_name("name")
    if name is None:
        return None
    t = text(name, src)
    if name.type == "string":
        t = t[1:-1]
    elif name.type == "computed_property_name":
        return None  # e.g. [Symbol.iterator]; not a plain wx.* name
    return t


def parse_files(root):
    files = []
    for dirpath, _dirs, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".d.ts"):
                path = os.path.join(dirpath, n)
                with open(path, "rb") as f:
                    src = f.read()
                files.append((path, src, PARSER.parse(src)))
    return files


def find_global_type(files, var):
    """Type name of `declare const|let|var <var>: T`."""
    for path, src, tree in files:
        for n in walk(tree.root_node):
            if n.type == "variable_declarator":
                name = n.child_by_field_name("name")
                if name is not None and text(name, src) == var:
                    ta = n.child_by_field_name("type")
                    if ta is not None:
                        # type_annotation -> ': T'
                        t = text(ta, src).lstrip(":").strip()
                        return t
    raise SystemExit("no declaration of global %r found" % var)


def collect_interfaces(files):
    """Map qualified and short names -> list of (src, interface_declaration node)."""
    ifaces = {}
    for path, src, tree in files:
        for n in walk(tree.root_node):
            if n.type == "interface_declaration":
                name = text(n.child_by_field_name("name"), src)
                q = ".".join(namespace_path(n, src) + [name])
                ifaces.setdefault(q, []).append((src, n))
    return ifaces


def members_of(qname, ifaces, seen=None):
    seen = seen if seen is not None else set()
    if qname in seen:
        return set()
    seen.add(qname)
    decls = ifaces.get(qname)
    if not decls:
        raise SystemExit("interface %r not found" % qname)
    out = set()
    ns = qname.rsplit(".", 1)[0] if "." in qname else ""
    for src, decl in decls:
        body = decl.child_by_field_name("body")
        for m in body.named_children:
            if m.type in ("method_signature", "property_signature"):
                nm = member_name(m, src)
                if nm:
                    out.add(nm)
            elif m.type in ("call_signature", "construct_signature",
                            "index_signature", "comment"):
                pass
            else:
                print("warning: unhandled member kind %s: %s"
                      % (m.type, text(m, src)[:80]), file=sys.stderr)
        # extends clauses
        for c in decl.named_children:
            if c.type == "extends_type_clause":
                for t in c.named_children:
                    base = text(t, src).split("<")[0].strip()
                    cand = [ns + "." + base if ns else base, base]
                    for q in cand:
                        if q in ifaces:
                            out |= members_of(q, ifaces, seen)
                            break
                    else:
                        print("warning: base %r of %s not found" % (base, qname),
                              file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("package", help="unpacked npm package dir (contains package.json)")
    ap.add_argument("--extras", help="file of more extra names: 'name  # reason'")
    ap.add_argument("--no-extras", action="store_true",
                    help="omit the built-in EXTRAS (typings members only)")
    args = ap.parse_args()

    with open(os.path.join(args.package, "package.json")) as f:
        pkg = json.load(f)
    files = parse_files(os.path.join(args.package, "types"))
    wx_type = find_global_type(files, "wx")  # 'WechatMinigame.Wx'
    ifaces = collect_interfaces(files)
    names = members_of(wx_type, ifaces)
    typed = set(names)

    extras = [] if args.no_extras else list(EXTRAS)
    for name, _reason in extras:
        names.add(name)
    if args.extras:
        with open(args.extras, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                name, _, reason = line.partition("#")
                name = name.strip()
                extras.append((name, reason.strip()))
                names.add(name)

    out = sys.stdout
    out.write("# Members of the global `wx` object (type %s) in WeChat's official mini-game\n" % wx_type)
    out.write("# typings, npm package %s %s (types/wx/*.d.ts, incl. lib.wx.cloud.d.ts /\n" % (pkg["name"], pkg["version"]))
    out.write("# lib.wx.wasm.d.ts; only `cloud` is a wx member from those, WXWebAssembly is a global).\n")
    out.write("# Produced by scripts/wechat_api_names.py (tree-sitter TypeScript parse of `interface Wx`: method and\n")
    out.write("# property signatures, overloads once) on %s. %d names from the typings.\n"
              % (datetime.date.today().isoformat(), len(typed)))
    out.write("# Instance methods of returned objects (FileSystemManager.readFile, ...) are not listed.\n")
    if extras:
        out.write("#\n# Additions not in the typings (WeChat-documented names still found in ported games):\n")
        for name, reason in extras:
            flag = " (now also in the typings)" if name in typed else ""
            out.write("#   %s: %s%s\n" % (name, reason, flag))
    for n in sorted(names):
        out.write(n + "\n")


if __name__ == "__main__":
    main()
