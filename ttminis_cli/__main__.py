"""`python -m ttminis_cli` and the `ttminis` script: an unchanged lint is replayed (lint/replay.py)
before the CLI is even imported; everything else goes to the typer app in cli.py."""

import os
import sys


def main() -> int:
    argv = sys.argv[1:]
    from ttminis_cli.lint import replay

    code = replay.replay(argv)
    if code is not None:
        return code
    replay.start(argv)
    from ttminis_cli.cli import main as cli_main

    code = cli_main(argv)
    if argv[:1] == ["lint"]:
        _leave(code)
    return code


def _leave(code: int) -> None:
    """End a lint at once, its output flushed. Tearing the interpreter down would free the analysis's
    objects and the last syntax tree one by one only to exit (a tenth of a second after a big bundle);
    mypy leaves the same way. Nothing of a lint waits for the interpreter's exit: its worker processes
    are ended and its caches written before the command returns."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # a reader that stopped reading (`| head`), a closed stream
        pass
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
