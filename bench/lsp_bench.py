#!/usr/bin/env python3
"""Benchmark `ttminis lsp`: first diagnostics after didOpen in a warm project, and the re-lint of one
file a keystroke costs, each beside its floor (a bare tree-sitter parse of the same file).

    python3 bench/lsp_bench.py                  # lint_bench's seeded corpus of 2,000 files
    python3 bench/lsp_bench.py --files 200      # a smaller project

Targets (issue 11): first diagnostics <= 0.5 s after didOpen, a keystroke's re-lint <= 100 ms. The
first figure is what an editor waits for over stdio (a real server process, a real client); the
keystroke is measured both over stdio (didChange to publishDiagnostics, less the server's
debounce pause) and in process (the session's own work), for the same files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from lint_bench import build_corpus  # noqa: E402
from lsp_client import LspClient  # noqa: E402


def parse_floor(path: Path, repeat: int) -> float:
    from tree_sitter import Language, Parser
    import tree_sitter_javascript

    parser = Parser(Language(tree_sitter_javascript.language()))
    source = path.read_bytes()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        parser.parse(source)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--opens", type=int, default=8, help="files opened one after another")
    ap.add_argument("--keystrokes", type=int, default=20)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)

    from ttminis_cli.lsp.server import DEBOUNCE_S

    tmp = Path(tempfile.mkdtemp(prefix="ttminis-lsp-bench-"))
    root = tmp / "game"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "xdg")}
    try:
        files = build_corpus(root, args.files, 0, args.seed)
        size = sum(p.stat().st_size for p in files)
        print(f"project: {len(files)} files, {size / 1e6:.1f} MB ({root})")
        subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--no-progress"], cwd=root, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # the warm cache an editor finds
        picks = sorted(files, key=lambda p: -p.stat().st_size)[:args.opens]

        client = LspClient(root, env)
        start = time.perf_counter()
        client.initialize(root)
        init = time.perf_counter() - start
        opens = []
        for path in picks:
            seen = len(client.notifications)
            start = time.perf_counter()
            uri = client.open(path)
            client.diagnostics(uri, seen=seen)
            opens.append(time.perf_counter() - start)
        uri = picks[0].as_uri()
        text = picks[0].read_text()
        strokes = []
        for i in range(args.keystrokes):
            seen = len(client.notifications)
            text = text + ("x" if i % 2 == 0 else "\n")
            start = time.perf_counter()
            client.change(uri, text, i + 2)
            client.diagnostics(uri, seen=seen, version=i + 2)
            strokes.append(time.perf_counter() - start - DEBOUNCE_S)
        client.shutdown()

        # The workspace is the folder above the game: the server plans the project at the first didOpen.
        client = LspClient(tmp, env)
        client.initialize(tmp)
        start = time.perf_counter()
        client.diagnostics(client.open(picks[0]))
        unplanned = time.perf_counter() - start
        client.shutdown()

        from ttminis_cli.lsp.session import Session

        session = Session([root])
        doc = session.open("bench", str(picks[0]), picks[0].read_text())
        in_process = []
        text = doc.text
        for i in range(args.keystrokes):
            text += "x" if i % 2 == 0 else "\n"
            start = time.perf_counter()
            session.change("bench", text, i)
            session.analyse(doc.project)
            session.lint(doc.project)
            in_process.append(time.perf_counter() - start)
        floor = parse_floor(picks[0], 20)
        largest = picks[0].stat().st_size

        print(f"initialize (loads the engine, plans the project, reads its cache): {init:.2f} s")
        print(f"first diagnostics after didOpen, warm project: median {ms(statistics.median(opens))}, "
              f"max {ms(max(opens))} over {len(opens)} files (target <= 500 ms)")
        print(f"first diagnostics when that didOpen also plans the project and reads its cache: {ms(unplanned)}")
        print(f"keystroke re-lint over stdio (didChange -> publishDiagnostics, less the {ms(DEBOUNCE_S)} pause): "
              f"median {ms(statistics.median(strokes))}, max {ms(max(strokes))} (target <= 100 ms)")
        print(f"keystroke re-lint in process (analyse the file, finish the project): median "
              f"{ms(statistics.median(in_process))}, max {ms(max(in_process))}")
        print(f"floor: a bare tree-sitter parse of that file ({largest / 1000:.1f} kB): {ms(floor)}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
