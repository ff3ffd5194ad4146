#!/usr/bin/env python3
"""Benchmark `ttminis lint` against the tree-sitter parse floor and ESLint, on a seeded corpus.

    python3 bench/lint_bench.py                 # ~2,000 files + large engine files, every figure
    python3 bench/lint_bench.py --files 60 --big 0 --no-eslint   # the quick run the test suite uses
    python3 bench/lint_bench.py --tree ~/games  # a tree of your own (real games: nothing is generated)

With --tree the floor parses exactly the files the lint analyses (the default selection leaves out
engines, libraries, minified, generated and compiled files; the floor leaves them out too), each with
its own grammar.

Every figure is whole-process wall time (interpreter or node start included), so the ratios
compare what a user waits for. Targets (issue 3): lint cold <= 2x the parse floor, ESLint >= 4x
lint cold, cold >= 20x warm, one file (warm cache, the pre-commit case) < 250 ms.

Two warm figures: the same lint again over an unchanged tree (replayed: lint/replay.py), and the
same lint after one file was edited (the result cache serves every other file). The one-file run
edits its file before each run too, as a commit does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ESLINT = HERE / "node" / "node_modules" / "eslint" / "bin" / "eslint.js"

PARSE_FLOOR = r"""
import sys
from tree_sitter import Language, Parser
import tree_sitter_javascript, tree_sitter_typescript
parsers = {"js": Parser(Language(tree_sitter_javascript.language())),
           "ts": Parser(Language(tree_sitter_typescript.language_typescript())),
           "tsx": Parser(Language(tree_sitter_typescript.language_tsx()))}
for line in open(sys.argv[1]).read().split("\n"):
    language, _, path = line.partition(" ")
    with open(path, "rb") as fh:
        parsers.get(language, parsers["js"]).parse(fh.read())
"""

# The files a lint of the current folder analyses, with their grammar: what the floor must parse.
ANALYSED = r"""
from pathlib import Path
from ttminis_cli.config import find_and_load
from ttminis_cli.lint import engine, selection
from ttminis_cli.lint.plan import plan
for task in plan([Path(".")], find_and_load(Path("."))).tasks:
    if task.language == "html":
        continue
    source = Path(task.ctx.abs_path).read_bytes()
    kind = selection.content_kind(source)
    if not (kind and engine.skips(task, kind)):
        print(task.language, task.ctx.abs_path)
"""

# Where a warm run's time goes, measured inside one process (the CLI's own steps, in order).
WARM_PHASES = r"""
import io, json, subprocess, sys, time
from pathlib import Path
# The edited files are back as they were: a run (not a replay, which never writes the result cache)
# caches them so again.
subprocess.run([sys.executable, "-c", "from ttminis_cli.cli import main; main(['lint', '--no-progress'])"],
               capture_output=True)
marks = [time.perf_counter()]
from ttminis_cli.lint import engine, runner
from ttminis_cli.lint.command import load_lint_config
from ttminis_cli.lint.registry import RULES
from ttminis_cli.lint.reporters import JsonReporter, LintReport
marks.append(time.perf_counter())
cfg, salt = load_lint_config([Path(".")], None, (), ())
plan = engine.plan([Path(".")], cfg)
marks.append(time.perf_counter())
run = runner.run(plan.tasks, cache_root=Path.cwd(), config_salt=salt)
marks.append(time.perf_counter())
found = engine.finish(run.results, cfg)
marks.append(time.perf_counter())
JsonReporter(io.StringIO(), io.StringIO(), rules=RULES).report(LintReport(found, len(plan.tasks)))
marks.append(time.perf_counter())
assert run.analysed == 0, "the cache was not warm"
print(json.dumps([b - a for a, b in zip(marks, marks[1:])]))
"""

WORDS = ("player", "score", "level", "enemy", "sprite", "tile", "rank", "friend", "coin", "boss", "wave",
         "timer", "camera", "audio", "input", "bullet", "shield", "combo", "avatar", "board")


class Gen:
    """Seeded source generator: game-shaped JavaScript with platform calls and known violations."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def name(self) -> str:
        a, b = self.r.sample(WORDS, 2)
        return f"{a}{b.capitalize()}{self.r.randrange(100)}"

    def filler_function(self) -> str:
        n, x, items = self.name(), self.name(), self.name()
        return (f"function {n}({x}, {items} = []) {{\n"
                f"  let total = 0;\n"
                f"  for (let i = 0; i < {items}.length; i++) {{\n"
                f"    const v = {items}[i] * {self.r.randrange(2, 9)} + ({x} ?? {self.r.random():.3f});\n"
                f"    if (v > {self.r.randrange(10, 500)}) {{ total += Math.floor(v / 2); }} else {{ total -= v; }}\n"
                f"  }}\n"
                f"  return {{ total, label: `{n}:${{total}}`, ok: total > 0 && !Number.isNaN(total) }};\n"
                f"}}\n")

    def filler_class(self) -> str:
        cls = self.name().capitalize()
        methods = "".join(
            f"  {self.name()}(dt) {{\n    this.x += this.vx * dt;\n    this.y = Math.max(0, this.y - dt * "
            f"{self.r.randrange(1, 60)});\n    return [this.x, this.y].map((v) => v | 0);\n  }}\n"
            for _ in range(self.r.randrange(2, 6)))
        return (f"export class {cls} {{\n  constructor(opts = {{}}) {{\n    this.x = opts.x || 0;\n"
                f"    this.y = opts.y || 0;\n    this.vx = {self.r.randrange(-5, 5)};\n    this.items = new Map();\n"
                f"  }}\n{methods}}}\n")

    def main_calls(self) -> str:
        r, out = self.r, []
        if r.random() < 0.3:
            out.append("const g = TTMinis.game;\n"
                       "export function share() {\n"
                       "  g.shareAppMessage({ imageUrl: 'https://cdn.example.com/card.png', title: 'Play',"
                       " fail() {} });\n}\n")
        if r.random() < 0.3:
            out.append("const ctx = tt.getOpenDataContext();\n"
                       f"export function showRank(score) {{ ctx.postMessage({{ type: 'rank', score }}); }}\n")
        if r.random() < 0.25:
            out.append("export function save(best) {\n"
                       "  tt.setUserCloudStorage({ data: [{ key: 'score', value: String(best) }], fail() {} });\n}\n")
        if r.random() < 0.15:
            out.append("const { login } = tt;\nexport function signIn() { login({ success() {}, fail() {} }); }\n")
        if r.random() < 0.05:  # a violation: an open-data-only API in the main domain
            out.append("export function dm(openid) {\n"
                       "  tt.shareToUser({ openid, imageUrl: 'https://cdn.example.com/dm.png', fail() {} });\n}\n")
        if r.random() < 0.03:
            out.append("export function run(code) { return eval(code); }\n")
        return "".join(out)

    def open_data_calls(self) -> str:
        r, out = self.r, []
        if r.random() < 0.4:
            field = "command" if r.random() < 0.1 else "type"
            out.append(f"tt.onMessage((msg) => {{\n  switch (msg.{field}) {{\n    case 'rank': draw(); break;\n"
                       "    default: break;\n  }\n});\n")
        if r.random() < 0.4:
            out.append("function draw() {\n  tt.getFriendCloudStorage({ keyList: ['score'],\n"
                       "    success(res) { res.data.sort((a, b) => b.KVDataList.length - a.KVDataList.length); },\n"
                       "    fail() {} });\n}\n")
        if r.random() < 0.05:  # a violation: network in the open data domain
            out.append("export function leak() { return fetch('https://example.com'); }\n")
        return "".join(out)

    def module(self, open_data: bool, size: int) -> str:
        parts = [self.open_data_calls() if open_data else self.main_calls()]
        while sum(map(len, parts)) < size:
            parts.append(self.filler_class() if self.r.random() < 0.3 else self.filler_function())
        return "".join(parts)

    def engine_file(self, size: int) -> str:
        """An engine-sized file (Cocos/Laya style): one big IIFE of classes, tables and helpers."""
        parts = ["(function (root) {\n'use strict';\nvar cc = root.cc = root.cc || {};\n"]
        length = len(parts[0])
        while length < size:
            chunk = self.filler_class() if self.r.random() < 0.4 else self.filler_function()
            if self.r.random() < 0.1:
                chunk += (f"cc.{self.name()} = {{ " + ", ".join(f"{w}: {self.r.randrange(1000)}" for w in WORDS)
                          + " };\n")
            if self.r.random() < 0.01:
                chunk += "if (typeof wx !== 'undefined') { wx.onShow(function () { cc.game.resume(); }); }\n"
            parts.append(chunk.replace("export ", ""))
            length += len(chunk)
        parts.append("})(typeof window !== 'undefined' ? window : globalThis);\n")
        return "".join(parts)


def build_corpus(root: Path, files: int, big: int, seed: int) -> list[Path]:
    gen = Gen(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "project.config.json").write_text(json.dumps(
        {"openDataContext": "openDataContext", "app_id": "bench", "dev": {"port": 9527}}))
    written = []

    def write(rel: str, text: str) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)

    write("game.js", "import './src/scene0/mod0.js';\n" + gen.module(False, 2000))
    write("openDataContext/index.js", gen.module(True, 2000))
    for i in range(max(0, files - 2)):
        open_data = i % 7 == 0
        folder = f"openDataContext/ui{i % 5}" if open_data else f"src/scene{i % 40}"
        write(f"{folder}/mod{i}.js", gen.module(open_data, gen.r.randrange(1500, 9000)))
    for i in range(big):
        write(f"engine/engine-part{i}.js", gen.engine_file(1_000_000 + (i * 700_000) % 2_000_000))
    return written


def wall(cmd: list[str], cwd: Path, ok=(0, 1)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return elapsed


def edited(cmd: list[str], cwd: Path, target: Path, runs: int) -> float:
    """Median wall time of `cmd` run after each of `runs` edits of `target` (a comment added); the
    file's bytes and mtime are put back afterwards."""
    original, st = target.read_bytes(), target.stat()
    times = []
    try:
        for n in range(max(1, runs)):
            target.write_bytes(original + f"\n// edit {n}\n".encode())
            times.append(wall(cmd, cwd))
    finally:
        target.write_bytes(original)
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000, help="small and medium module files")
    ap.add_argument("--big", type=int, default=4, help="engine-sized files of 1-3 MB")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the fast measurements (median taken)")
    ap.add_argument("--no-eslint", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the corpus folder")
    ap.add_argument("--tree", type=Path, help="bench this folder instead of a generated corpus (kept as it is)")
    args = ap.parse_args(argv)
    if args.tree is not None:
        return bench_tree(args.tree.resolve(), args.repeat)

    ttminis = [sys.executable, "-m", "ttminis_cli"]
    if shutil.which("ttminis"):
        ttminis = [shutil.which("ttminis")]
    tmp = Path(tempfile.mkdtemp(prefix="ttminis-bench-"))
    corpus = tmp / "game"
    try:
        files = build_corpus(corpus, args.files, args.big, args.seed)
        mb = sum(p.stat().st_size for p in files) / 1e6
        listing = tmp / "files.txt"
        listing.write_text("\n".join(f"js {path}" for path in files))
        lint = [*ttminis, "lint", ".", "--format", "json", "--no-progress"]
        one = [*ttminis, "lint", os.path.relpath(files[len(files) // 2], corpus), "--format", "json"]
        median = lambda cmd: statistics.median(wall(cmd, corpus) for _ in range(args.repeat))  # noqa: E731

        rows: dict[str, float] = {}
        rows["parse floor (tree-sitter, 1 process)"] = wall([sys.executable, "-c", PARSE_FLOOR, str(listing)],
                                                             corpus, ok=(0,))
        cold = []
        for _ in range(max(1, args.repeat // 2)):
            shutil.rmtree(corpus / ".ttminis", ignore_errors=True)
            cold.append(wall(lint, corpus))
        rows["ttminis lint, cold cache"] = min(cold)
        rows["ttminis lint, warm: unchanged (replayed)"] = median(lint)
        rows["ttminis lint, warm: one file edited"] = edited(lint, corpus, files[len(files) // 3], args.repeat)
        one_file = edited(one, corpus, files[len(files) // 2], args.repeat)
        small = tmp / "small"
        build_corpus(small, 6, 0, args.seed)
        one_in_small = [*ttminis, "lint", "game.js", "--format", "json"]
        wall(one_in_small, small)  # fill its cache: the hook's steady state
        one_small = edited(one_in_small, small, small / "game.js", args.repeat)
        startup = statistics.median(wall([*ttminis, "--version"], corpus, ok=(0,)) for _ in range(args.repeat))
        phases = json.loads(subprocess.run([sys.executable, "-c", WARM_PHASES], cwd=corpus, check=True,
                                           capture_output=True, text=True).stdout)
        eslint = None
        if not args.no_eslint and ESLINT.exists() and shutil.which("node"):
            eslint = wall(["node", str(ESLINT), "-c", str(HERE / "eslint.config.mjs"), "--no-cache", "."], corpus)
            rows["eslint no-restricted-syntax, cold"] = eslint

        print(f"corpus: {len(files)} files, {mb:.1f} MB (seed {args.seed}, {args.big} engine files of 1-3 MB); "
              f"{os.cpu_count()} CPUs; whole-process wall time")
        print(f"{'':40} {'wall s':>8} {'files/s':>9} {'MB/s':>7}")
        for label, seconds in rows.items():
            print(f"{label:40} {seconds:8.3f} {len(files) / seconds:9.0f} {mb / seconds:7.2f}")
        print(f"{'ttminis lint, one file (warm cache)':40} {one_file:8.3f}")
        print(f"{'  the same in a 6-file project':40} {one_small:8.3f}")
        names = ("engine import", "config + plan", "cache", "finish", "report")
        print("a warm run that lints (every file cached), in ms: process start + CLI import (`ttminis --version`) "
              f"{startup * 1000:.0f}, " + ", ".join(f"{n} {t * 1000:.0f}" for n, t in zip(names, phases)))
        floor, lint_cold = rows["parse floor (tree-sitter, 1 process)"], rows["ttminis lint, cold cache"]
        lint_warm, lint_edited = rows["ttminis lint, warm: unchanged (replayed)"], rows["ttminis lint, warm: one file edited"]
        print(f"lint cold / parse floor = {lint_cold / floor:.2f}  (target <= 2)")
        if eslint is not None:
            print(f"eslint / lint cold      = {eslint / lint_cold:.2f}  (target >= 4)")
        else:
            print("eslint: not run (install with `npm install --prefix bench/node`)")
        print(f"lint cold / lint warm   = {lint_cold / lint_warm:.1f}  (target >= 20); "
              f"after one edit {lint_cold / lint_edited:.1f}")
        print(f"one file                = {one_file * 1000:.0f} ms in this corpus, {one_small * 1000:.0f} ms in a "
              "6-file project  (target < 250)")
    finally:
        if args.keep:
            print(f"corpus kept in {corpus}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def bench_tree(tree: Path, repeat: int) -> int:
    """Cold and warm lint of an existing tree against the parse floor of the files it analyses."""
    if not tree.is_dir():
        sys.exit(f"{tree}: not a folder")
    ttminis = [shutil.which("ttminis")] if shutil.which("ttminis") else [sys.executable, "-m", "ttminis_cli"]
    listed = subprocess.run([sys.executable, "-c", ANALYSED], cwd=tree, check=True, capture_output=True,
                            text=True).stdout.strip()
    files = [line.partition(" ")[2] for line in listed.splitlines()]
    mb = sum(os.path.getsize(f) for f in files) / 1e6
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write(listed)
    try:
        caches = [p for p in tree.rglob(".ttminis") if p.is_dir()]
        lint = [*ttminis, "lint", ".", "--format", "json", "--no-progress"]
        floor = min(wall([sys.executable, "-c", PARSE_FLOOR, fh.name], tree, ok=(0,)) for _ in range(max(1, repeat)))
        cold = []
        for _ in range(max(1, repeat)):
            for cache in caches + [tree / ".ttminis"]:
                shutil.rmtree(cache, ignore_errors=True)
            cold.append(wall(lint, tree))
        warm = statistics.median(wall(lint, tree) for _ in range(max(1, repeat)))
        target = Path(files[len(files) // 2])
        after_edit = edited(lint, tree, target, repeat)
        startup = statistics.median(wall([*ttminis, "--version"], tree, ok=(0,)) for _ in range(max(1, repeat)))
    finally:
        os.unlink(fh.name)
    print(f"tree: {tree} — {len(files)} files analysed, {mb:.1f} MB; {os.cpu_count()} CPUs; whole-process wall time")
    print(f"{'parse floor (tree-sitter, 1 process)':40} {floor:8.3f}")
    print(f"{'ttminis lint, cold cache (best)':40} {min(cold):8.3f}")
    print(f"{'ttminis lint, warm: unchanged (replayed)':40} {warm:8.3f}")
    print(f"{'ttminis lint, warm: one file edited':40} {after_edit:8.3f}  ({target.relative_to(tree)})")
    print(f"{'CLI start-up (ttminis --version)':40} {startup:8.3f}  (a replay answers before it)")
    print(f"lint cold / parse floor = {min(cold) / floor:.2f}  (target <= 2)")
    print(f"lint cold / lint warm   = {min(cold) / warm:.1f}  (target >= 20); after one edit "
          f"{min(cold) / after_edit:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
