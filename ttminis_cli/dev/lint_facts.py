"""What `ttminis dev` asks of the linter, in one place so that it can follow the linter's changes.

- `lint_findings`: the project's findings for the page's panel, through the CLI's JSON output
  (DESIGN §6 fixes that format), in a child process so that a long lint never stalls the server.
- `open_data_keys`: the cloud-storage keys the open data domain reads (the keyList literals of
  getFriendCloudStorage / getUserCloudStorage that lint records as facts), to seed an empty store.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path


LINT_TIMEOUT_S = 120


async def lint_findings(root: Path) -> dict:
    """{"findings": [lint's JSON records], "error": None} or {"findings": [], "error": "why"}."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("TTMINIS_DEBUG", None)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ttminis_cli", "lint", "--format", "json", "--no-progress", ".",
            cwd=root, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), LINT_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError) as exc:
        return {"findings": [], "error": f"lint did not run: {exc or 'timed out'}"}
    if proc.returncode not in (0, 1):
        return {"findings": [], "error": err.decode("utf-8", "replace").strip() or f"lint exited {proc.returncode}"}
    try:
        return {"findings": json.loads(out), "error": None}
    except ValueError:
        return {"findings": [], "error": "lint printed no JSON"}


def open_data_keys(root: Path) -> list[str]:
    """Keys the open data domain reads, in the order the code names them (none when lint fails)."""
    from ttminis_cli.lint.engine import storage_keys

    try:
        return storage_keys(root, domain="open-data")[0]
    except Exception:  # the page still runs; seeding falls back to users and friends only
        return []
