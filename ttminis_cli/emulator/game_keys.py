"""The cloud-storage keys a game's code reads, so the dashboard starts on the game's own leaderboard.

Read from lint's per-file facts (keyList of getFriendCloudStorage / getUserCloudStorage calls), the
same analysis `ttminis lint` runs: a project that reads `score` gets `score`, not an example's key.
"""

from __future__ import annotations

from pathlib import Path


def keys_read(root: Path) -> list[str]:
    """The keys the project at `root` reads, in the order its files first read them; where it reads
    none that can be told statically, the keys it writes."""
    from ttminis_cli.config import find_and_load
    from ttminis_cli.lint import engine

    config = find_and_load(root)
    reads: dict[str, None] = {}
    writes: dict[str, None] = {}
    for task in engine.plan([root], config, cwd=root).tasks:
        try:
            source = Path(task.ctx.abs_path).read_bytes()
        except OSError:
            continue
        facts = engine.analyze(task, source).facts
        reads.update((read.key, None) for read in getattr(facts, "key_reads", ()))
        writes.update((key, None) for key in getattr(facts, "keys_written", ()))
    return list(reads or writes)
