"""Where the lint's caches live and when they may trust a stat: shared by the result cache (cache.py)
and the run replay (replay.py), and light enough for the replay to import before anything else."""

from __future__ import annotations

import os

CACHE_DIR = os.path.join(".ttminis", "cache")
# A file rewritten within the same clock tick as our read would keep its mtime; after a couple of
# seconds that can no longer go unseen, so only then may a stat stand in for the bytes.
RACY_NS = 2_000_000_000


def make_cache_dir(root: str | os.PathLike) -> str:
    """`<root>/.ttminis/cache`, created with a .gitignore that keeps it out of commits; raises OSError."""
    folder = os.path.join(root, CACHE_DIR)
    os.makedirs(folder, exist_ok=True)
    gitignore = os.path.join(folder, ".gitignore")
    if not os.path.exists(gitignore):
        with open(gitignore, "w", encoding="utf-8") as fh:
            fh.write("# ttminis's lint cache: never commit it\n*\n")
    return folder
