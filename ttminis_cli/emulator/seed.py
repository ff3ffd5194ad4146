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

from pathlib import Path

from ttminis_cli.documents import parse_document
from ttminis_cli.emulator.model import EmulatorError, State, check_state
from ttminis_cli.errors import EXIT_USAGE, UserError


def load_seed(path: Path) -> State:
    """The checked state of a seed file; a UserError naming the file and field otherwise."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"seed file not found: {path}", hint="check the --seed path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read seed file {path}: {exc}") from None
    doc = parse_document(path, text)
    try:
        return check_state(doc)
    except EmulatorError as exc:
        raise UserError(exc.message, where=f"{path}: {exc.field}" if exc.field else str(path),
                        hint="a seed has users, friendships and storage as GET /v1/export writes them; "
                             "see examples/seed.toml", exit_code=EXIT_USAGE) from None
