#!/usr/bin/env python3
"""How much reading a big tree costs stage by stage against call by call: the same node reads.

    python3 bench/locality_bench.py             # the bundle_bench storage line: 60,000 calls
    python3 bench/locality_bench.py --calls 2000

The linter reads each platform call in stages, each a pass over the whole file: the call finder finds
every member and call, then the API rule reads every options object, then the storage rule every
data element. This script does the same node reads both ways on bundle_bench's storage line and
prints the two times and their ratio: what analysing each call once, in one pass, would save on node
reads alone. Two things make up the difference: each stage keeps its own list of what it read for
the next, and a one-line bundle's tree (250 MB for 4.6 MB of source) does not fit a CPU cache, so each
pass pays its misses again (compare --calls 2000, whose tree fits better).
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bundle_bench import storage_bundle  # noqa: E402


def _pairs(obj):
    return [(pair.child(0).text, pair.child(2)) for pair in obj.named_children]


def staged(root, hits: list[int]) -> int:
    calls = [root.descendant_for_byte_range(h, h + 2).parent.parent for h in hits]
    options = [call.child_by_field_name("arguments").named_child(0) for call in calls]
    pairs = [_pairs(o) for o in options]
    elements = [p[0][1].named_child(0) for p in pairs]
    entries = [_pairs(e) for e in elements]
    return sum(e[1][1].type == "number" for e in entries)


def per_call(root, hits: list[int]) -> int:
    found = 0
    for h in hits:
        call = root.descendant_for_byte_range(h, h + 2).parent.parent
        pairs = _pairs(call.child_by_field_name("arguments").named_child(0))
        entries = _pairs(pairs[0][1].named_child(0))
        found += entries[1][1].type == "number"
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=60_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    from tree_sitter import Language, Parser
    import tree_sitter_javascript as grammar

    source = storage_bundle(args.calls).encode()
    hits = [m.start() for m in re.finditer(rb"(?<![\w$])tt(?![\w$])", source)]
    parser = Parser(Language(grammar.language()))
    gc.disable()
    best = {}
    for _ in range(args.repeat):
        for way in (staged, per_call):
            root = parser.parse(source).root_node  # a fresh tree: no node read before
            start = time.perf_counter()
            assert way(root, hits) == args.calls
            best[way.__name__] = min(best.get(way.__name__, 9e9), time.perf_counter() - start)
    print(f"{args.calls} calls, {len(source) / 1e6:.2f} MB; best of {args.repeat}, seconds")
    print(f"stage by stage   {best['staged']:.3f}")
    print(f"call by call     {best['per_call']:.3f}")
    print(f"staged / per call = {best['staged'] / best['per_call']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
