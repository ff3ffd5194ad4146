#!/usr/bin/env python3
"""Benchmark `ttminis lint` on big one-line bundles named explicitly, against parsing them.

    python3 bench/bundle_bench.py                    # the two generated bundles below
    python3 bench/bundle_bench.py --file build/cocos-js/cc.js --file bin/code.js   # and files of yours
    python3 bench/bundle_bench.py --small            # quick sizes (the test suite's run)

The bundles, generated (seeded, nothing fetched):
- storage: one line of 60,000 setUserCloudStorage calls, each with a number value (60,000 TTM303
  findings): cost per finding;
- engine: one line of 20,000 minified functions reusing the same one-letter names, one in fifty
  assigning `wx` to its `r`: cost of following aliases through a minified engine;
- modules: a TypeScript build's CommonJS output (a Laya `bin/js/bundle.js`), 20,000 functions each
  holding a read of an imported module's member (`var v = Config_1.default.item`) and testing it: cost
  of the reads through modules that might export the platform, and of their holders.

Each figure is whole-process time of the best of --repeat runs (interpreter start included, the lint
cache removed before each lint run), the floor's and the lint's runs taken in turns: the parse floor is
a Python process that parses the file with tree-sitter and does nothing else. CPU seconds (user + system of the child) are printed beside wall
seconds: on a busy machine they are the steadier figure. Target (issue 8): lint <= 3x the floor
(goal 1.5x), whatever the file's size or number of findings.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARSE_FLOOR = r"""
import sys
from tree_sitter import Language, Parser
if sys.argv[1].endswith((".ts", ".tsx")):
    import tree_sitter_typescript as grammar
    language = grammar.language_tsx() if sys.argv[1].endswith(".tsx") else grammar.language_typescript()
else:
    import tree_sitter_javascript as grammar
    language = grammar.language()
with open(sys.argv[1], "rb") as fh:
    Parser(Language(language)).parse(fh.read())
"""


def storage_bundle(calls: int) -> str:
    return "".join(f"tt.setUserCloudStorage({{data:[{{key:'k{i}',value:{i}}}],fail:function(){{}}}});"
                   for i in range(calls))


def engine_bundle(functions: int) -> str:
    parts = []
    for i in range(functions):
        if i % 50 == 0:
            parts.append(f"function a{i}(){{var r;r=wx;return r}}")
        parts.append(f"function b{i}(t,e){{var r,n=t.x;r=n.resources;r.Register({i});"
                     f"for(var o=0;o<e.length;o++)n[o]=e[o]*{i};return n}}")
    return ";".join(parts)


def modules_bundle(functions: int) -> str:
    parts = ['"use strict";', 'var Config_1 = require("./Config");', 'var Utils_1 = require("./Utils");']
    parts += [f"function f{i}(t) {{ var v{i} = Config_1.default.item{i}; if (v{i}) {{ Utils_1.default.log(t * {i}); }} "
              f"return v{i}; }}" for i in range(functions)]
    parts.append('if (typeof wx !== "undefined" && wx.showShareMenu) { wx.showShareMenu({ withShareTicket: true }); }')
    return "\n".join(parts) + "\n"


def timed(cmd: list[str], cwd: Path, ok=(0, 1)) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `cmd`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", action="append", default=[], type=Path, help="also bench this file (repeatable)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--small", action="store_true", help="small generated bundles, one run each")
    args = ap.parse_args(argv)
    repeat = 1 if args.small else args.repeat

    # The ttminis of this Python (a version manager's shim on PATH would add its own start-up to every run).
    beside = Path(sys.executable).with_name("ttminis")
    ttminis = [str(beside)] if beside.exists() else [sys.executable, "-m", "ttminis_cli"]
    tmp = Path(tempfile.mkdtemp(prefix="ttminis-bundle-bench-"))
    try:
        generated = {
            "storage.js": storage_bundle(2_000 if args.small else 60_000),
            "engine.js": engine_bundle(1_000 if args.small else 20_000),
            "modules.js": modules_bundle(1_000 if args.small else 20_000),
        }
        files = []  # each in a folder of its own: linting a file reads its project, here nothing else
        for name, text in generated.items():
            (tmp / name).mkdir()
            (tmp / name / name).write_text(text)
            files.append(tmp / name / name)
        for n, given in enumerate(args.file):
            (tmp / f"given-{n}").mkdir()
            shutil.copyfile(given, tmp / f"given-{n}" / given.name)
            files.append(tmp / f"given-{n}" / given.name)
        print(f"{os.cpu_count()} CPUs; best of {repeat}; whole-process seconds (wall / CPU)")
        print(f"{'file':34} {'MB':>6} {'parse floor':>13} {'ttminis lint':>13} {'ratio wall':>10} {'ratio CPU':>9}")
        worst = 0.0
        for path in files:
            # The floor and the lint taken in turns: a shared machine's speed drifts over seconds, and a
            # ratio of two bests taken a minute apart measures the drift as much as the lint.
            floors, runs = [], []
            for _ in range(repeat):
                floors.append(timed([sys.executable, "-c", PARSE_FLOOR, str(path)], path.parent, ok=(0,)))
                shutil.rmtree(path.parent / ".ttminis", ignore_errors=True)
                runs.append(timed([*ttminis, "lint", path.name, "--format", "json", "--no-progress"], path.parent))
            floor, lint = best(floors), best(runs)
            ratio_wall, ratio_cpu = lint[0] / floor[0], lint[1] / floor[1]
            worst = max(worst, ratio_cpu)
            print(f"{path.name[:34]:34} {path.stat().st_size / 1e6:6.2f} {floor[0]:6.2f}/{floor[1]:5.2f}  "
                  f"{lint[0]:6.2f}/{lint[1]:5.2f}  {ratio_wall:10.2f} {ratio_cpu:9.2f}")
        print(f"worst CPU ratio = {worst:.2f}  (target <= 3, goal 1.5)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
