"""`python -m ttminis_cli` and the `ttminis` script: an unchanged lint is replayed (lint/replay.py)
before the CLI is even imported; everything else goes to the typer app in cli.py."""

import sys


def main() -> int:
    argv = sys.argv[1:]
    from ttminis_cli.lint import replay

    code = replay.replay(argv)
    if code is not None:
        return code
    replay.start(argv)
    from ttminis_cli.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
