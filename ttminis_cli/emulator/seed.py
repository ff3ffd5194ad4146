"""Seed files (`--seed`): TOML or JSON in the format GET /v1/export writes, checked before use.

```toml
friendships = [["alice", "bob"]]
[[users]]
openid = "alice"
nickname = "Alice"
[storage.alice]
highScore = "9000"
```
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from ttminis_cli.emulator.model import EmulatorError, State, check_state
from ttminis_cli.errors import EXIT_USAGE, UserError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_seed(path: Path) -> State:
    """The checked state of a seed file; a UserError naming the file and field otherwise."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"seed file not found: {path}", hint="check the --seed path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read seed file {path}: {exc}") from None
    if path.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # Python < 3.14 gives the position only inside the message: "… (at line 3, column 7)"
            found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(exc))
            message, where = (found.group(1), f"{path}:{found.group(2)}:{found.group(3)}") if found else (exc, path)
            raise UserError(f"invalid TOML: {message}", where=str(where),
                            hint="fix the syntax (see https://toml.io)") from None
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"invalid JSON: {exc.msg}", where=f"{path}:{exc.lineno}:{exc.colno}",
                            hint="a seed file is JSON, or TOML when its name ends in .toml") from None
    try:
        return check_state(doc)
    except EmulatorError as exc:
        raise UserError(exc.message, where=f"{path}: {exc.field}" if exc.field else str(path),
                        hint="a seed has users, friendships and storage as GET /v1/export writes them; "
                             "see examples/seed.toml", exit_code=EXIT_USAGE) from None
