"""The typer app: parses options, calls one function per command, maps errors to exit codes.

Every command function returns an int exit code (DESIGN §2). Implementations are imported lazily
inside each command so that `ttminis lint one.js` pays only for what it uses.
"""

import gc
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from ttminis_cli import __version__
from ttminis_cli.errors import EXIT_USAGE, UserError

# typer (>= 0.26, as pyproject requires) vendors click: its usage errors are this class, not click's.
from typer._click.exceptions import ClickException as _TyperClickException


class _ExitCodeGroup(typer.core.TyperGroup):
    """Makes `app` itself turn a command's int result and a UserError into the exit code, so that
    typer's CliRunner sees the same exit codes and messages as `main` (click ignores return values)."""

    def invoke(self, ctx: typer.Context):
        try:
            result = super().invoke(ctx)
        except UserError as exc:
            _print_error(exc.render())
            raise typer.Exit(exc.exit_code) from None
        if isinstance(result, int) and result:
            raise typer.Exit(result)
        return result


app = typer.Typer(
    cls=_ExitCodeGroup,
    name="ttminis",
    help="Scaffold, validate, lint and emulate TikTok Minis mini games.\n\n"
    "Start with `ttminis init demo && cd demo && ttminis lint`.",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="markdown",
)
emulator_app = typer.Typer(help="Run the local backend: users, friends, cloud storage, shares.",
                           no_args_is_help=True)
storage_app = typer.Typer(help="Read and write the emulator's cloud storage.", no_args_is_help=True)
users_app = typer.Typer(help="Add, list and remove the emulator's users.", no_args_is_help=True)
friends_app = typer.Typer(help="Make or end friendships between the emulator's users (mutual).",
                          no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
app.add_typer(storage_app, name="storage")
app.add_typer(users_app, name="users")
app.add_typer(friends_app, name="friends")


class Template(str, Enum):
    js = "js"
    ts = "ts"


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"


class LintFormat(str, Enum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ttminis {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks (or set TTMINIS_DEBUG=1)."),
) -> None:
    if debug:
        os.environ["TTMINIS_DEBUG"] = "1"


# --------------------------------------------------------------------------- init / validate


@app.command()
def init(
    directory: Path = typer.Argument(Path("."), help="Where to create the project (created if missing)."),
    template: Template = typer.Option(Template.js, "--template", "-t", help="JavaScript or TypeScript sources."),
    app_id: Optional[str] = typer.Option(None, "--app-id", help="Client key from the Developer Portal."),
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="dev.port (default 9527)."),
    open_data_dir: Optional[str] = typer.Option(None, "--open-data-dir",
                                                help="Open data folder name (default openDataContext)."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that already exist."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the files it would write; write nothing."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; use defaults for missing values."),
) -> int:
    """Create a mini-game project with its openDataContext/ layout (JS or TS)."""
    from ttminis_cli.scaffold import run_init

    return run_init(directory, template=template.value, app_id=app_id, port=port,
                    open_data_dir=open_data_dir, force=force, dry_run=dry_run, no_input=no_input)


@app.command()
def validate(
    paths: Optional[List[Path]] = typer.Argument(None, help="project.config.json files or project folders "
                                                 "(default: the current folder)."),
    format: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f", help="Output format."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too (such as a package over the "
                                "upload budget)."),
) -> int:
    """Check project.config.json against its JSON Schema, and the project's file tree."""
    from ttminis_cli.validate import run_validate

    return run_validate(paths or [Path(".")], fmt=format.value, strict=strict)


@app.command()
def schema() -> int:
    """Print the JSON Schema of project.config.json (point "$schema" at it)."""
    from ttminis_cli.validate import run_schema

    return run_schema()


# --------------------------------------------------------------------------- lint


@app.command()
def lint(
    paths: Optional[List[Path]] = typer.Argument(None, help="Files or folders (default: the current folder)."),
    format: Optional[LintFormat] = typer.Option(None, "--format", "-f",
                                                help="Output format (default text, in pipes too)."),
    select: Optional[List[str]] = typer.Option(None, "--select",
                                               help="Only these codes or prefixes (repeat it, or TTM1,TTM207)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these codes or prefixes (likewise)."),
    config: Optional[Path] = typer.Option(None, "--config", help="ttminis.toml or pyproject.toml to use."),
    watch: bool = typer.Option(False, "--watch", help="Re-lint on every change; Ctrl-C to stop."),
    max_warnings: Optional[int] = typer.Option(None, "--max-warnings", min=0,
                                               help="Exit 1 when there are more warnings than this."),
    statistics: bool = typer.Option(False, "--statistics", help="Count findings per rule."),
    no_progress: bool = typer.Option(False, "--no-progress", help="Never show a progress bar."),
    include_vendored: bool = typer.Option(
        False, "--include-vendored", help="Also lint what is skipped by default: engines and libraries (cocos-js/, "
        "laya.*.js, libs/, …), minified, generated and compiled files, packOptions.ignore."),
    force_exclude: bool = typer.Option(
        False, "--force-exclude", help="Skip those, and what exclude lists, among the files named too "
        "(the pre-commit hook does)."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe fixes in place, then report what remains."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes",
                                      help="With --fix or --diff, apply the unsafe fixes too (`explain` says which)."),
    diff: bool = typer.Option(False, "--diff", help="Print the fixes as a unified diff; write nothing "
                              "(exit 1 when there is something to fix)."),
) -> int:
    """Check JS/TS against the platform's domain rules and API contracts.

    Engines, libraries, minified, generated and compiled files are skipped, and said so, unless named.
    Results are cached in .ttminis/cache: a re-run over unchanged files prints the last output again
    (delete that folder for a cold run).
    """
    from ttminis_cli.lint.command import run_lint

    return run_lint(paths or [Path(".")], fmt=format.value if format else None, select=select or [],
                    ignore=ignore or [], config=config, watch=watch, max_warnings=max_warnings,
                    statistics=statistics, progress=not no_progress, include_vendored=include_vendored,
                    force_exclude=force_exclude, fix=fix, unsafe_fixes=unsafe_fixes, diff=diff)


@app.command()
def rules(
    format: ValidateFormat = typer.Option(ValidateFormat.text, "--format", "-f", help="Output format."),
) -> int:
    """List every lint rule: code, name, severity, summary."""
    from ttminis_cli.lint.command import run_rules

    return run_rules(fmt=format.value)


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code such as TTM101.")) -> int:
    """Explain one rule: what it finds, why, a bad and a good example."""
    from ttminis_cli.lint.command import run_explain

    return run_explain(code)


@app.command()
def lsp() -> int:
    """Run the language server on stdio: diagnostics as you type, fixes, hover, completion."""
    from ttminis_cli.lsp.server import run

    return run()


# --------------------------------------------------------------------------- emulator


@emulator_app.command("start")
def emulator_start(
    host: Optional[str] = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", min=0, max=65535, help="Port (default 9528)."),
    data: Optional[Path] = typer.Option(None, "--data", help="SQLite file (default .ttminis/emulator.db)."),
    in_memory: bool = typer.Option(False, "--in-memory", help="Keep nothing on disk."),
    seed: Optional[Path] = typer.Option(None, "--seed", help="TOML or JSON: users, friendships, storage."),
    export_on_exit: Optional[Path] = typer.Option(None, "--export-on-exit",
                                                  help="Write the whole state as JSON on shutdown."),
) -> int:
    """Start the local backend and its dashboard."""
    from ttminis_cli.emulator.server import run_server

    return run_server(host=host, port=port, data=data, in_memory=in_memory, seed=seed,
                      export_on_exit=export_on_exit)


# --------------------------------------------------------------------------- dev


@app.command()
def dev(
    directory: Path = typer.Argument(Path("."), help="The project folder (default: the current one)."),
    port: Optional[int] = typer.Option(None, "--port", min=0, max=65535,
                                       help="Port (default dev.port of project.config.json, else 9527)."),
    user: str = typer.Option("me", "--user", "-u", help="The player's openid."),
    seed: Optional[Path] = typer.Option(None, "--seed", help="TOML or JSON: users, friendships, storage."),
    data: Optional[Path] = typer.Option(None, "--data", help="SQLite file (default .ttminis/emulator.db)."),
    in_memory: bool = typer.Option(False, "--in-memory", help="Keep nothing on disk."),
    size: Optional[str] = typer.Option(None, "--size", help="The phone's screen, WIDTHxHEIGHT in CSS pixels "
                                       "(default 390x844; 844x390 when game.json says landscape)."),
    no_open: bool = typer.Option(False, "--no-open", help="Do not open a browser."),
    screenshot: Optional[Path] = typer.Option(None, "--screenshot",
                                              help="Render headless for 2 s, write this PNG and exit."),
) -> int:
    """Play the game in a browser: both domains, against the local emulator."""
    from ttminis_cli.dev.server import run_dev

    return run_dev(directory, port=port, user=user, seed=seed, data=data, in_memory=in_memory, size=size,
                   open_browser=not no_open, screenshot=screenshot)


# --------------------------------------------------------------------------- storage

_EMULATOR_HELP = "Emulator address (else $TTMINIS_EMULATOR_HOST, ttminis.toml, 127.0.0.1:9528)."


@storage_app.command("get")
def storage_get(
    keys: List[str] = typer.Argument(..., help="Keys to read."),
    user: str = typer.Option(..., "--user", "-u", help="The user's openid."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Read keys of one user's cloud storage; exit 1 when one of them is not set."""
    from ttminis_cli.storage_client import cmd_get

    return cmd_get(keys, user=user, json_out=json_out, emulator=emulator)


@storage_app.command("set")
def storage_set(
    pairs: List[str] = typer.Argument(..., help="KEY=VALUE pairs (values are stored as strings)."),
    user: str = typer.Option(..., "--user", "-u", help="The user's openid."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Write keys of one user's cloud storage (all or nothing)."""
    from ttminis_cli.storage_client import cmd_set

    return cmd_set(pairs, user=user, emulator=emulator)


@storage_app.command("remove")
def storage_remove(
    keys: List[str] = typer.Argument(..., help="Keys to remove."),
    user: str = typer.Option(..., "--user", "-u", help="The user's openid."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Remove keys from one user's cloud storage."""
    from ttminis_cli.storage_client import cmd_remove

    return cmd_remove(keys, user=user, emulator=emulator)


@storage_app.command("list")
def storage_list(
    user: str = typer.Option(..., "--user", "-u", help="The user's openid."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """List every key of one user's cloud storage."""
    from ttminis_cli.storage_client import cmd_list

    return cmd_list(user=user, json_out=json_out, emulator=emulator)


@storage_app.command("friends")
def storage_friends(
    keys: List[str] = typer.Argument(..., help="Keys to read from each friend."),
    user: str = typer.Option(..., "--user", "-u", help="The user whose friends to read."),
    sort: Optional[str] = typer.Option(None, "--sort", help="Rank by this key (numeric when values are numbers)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Friends' cloud storage, as getFriendCloudStorage returns it: a leaderboard."""
    from ttminis_cli.storage_client import cmd_friends

    return cmd_friends(keys, user=user, sort=sort, json_out=json_out, emulator=emulator)


@storage_app.command("push")
def storage_push(
    file: Path = typer.Argument(..., help="JSON or TOML: {openid: {key: value}}."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the changes; write nothing."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Write a whole file of storage to the emulator, atomically."""
    from ttminis_cli.storage_client import cmd_push

    return cmd_push(file, dry_run=dry_run, emulator=emulator)


@storage_app.command("pull")
def storage_pull(
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: stdout)."),
    user: Optional[str] = typer.Option(None, "--user", "-u", help="Only this user."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Read storage from the emulator in the format `push` accepts."""
    from ttminis_cli.storage_client import cmd_pull

    return cmd_pull(output=output, user=user, emulator=emulator)


# --------------------------------------------------------------------------- users and friends


@users_app.command("add")
def users_add(
    openid: str = typer.Argument(..., help="The user's openid."),
    nickname: Optional[str] = typer.Option(None, "--nickname", help="Display name (default: the openid)."),
    avatar: Optional[str] = typer.Option(None, "--avatar", help="Avatar image URL."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Add a user, or update the nickname and avatar of one."""
    from ttminis_cli.users_client import cmd_users_add

    return cmd_users_add(openid, nickname=nickname, avatar=avatar, emulator=emulator)


@users_app.command("list")
def users_list(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """List every user with their friends."""
    from ttminis_cli.users_client import cmd_users_list

    return cmd_users_list(json_out=json_out, emulator=emulator)


@users_app.command("remove")
def users_remove(
    openid: str = typer.Argument(..., help="The user's openid."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Remove a user with their storage, friendships, authorization and shares."""
    from ttminis_cli.users_client import cmd_users_remove

    return cmd_users_remove(openid, emulator=emulator)


@friends_app.command("add")
def friends_add(
    a: str = typer.Argument(..., help="One user's openid."),
    b: str = typer.Argument(..., help="The other user's openid."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """Make two users friends (both ways, as on the platform)."""
    from ttminis_cli.users_client import cmd_friends_add

    return cmd_friends_add(a, b, emulator=emulator)


@friends_app.command("remove")
def friends_remove(
    a: str = typer.Argument(..., help="One user's openid."),
    b: str = typer.Argument(..., help="The other user's openid."),
    emulator: Optional[str] = typer.Option(None, "--emulator", help=_EMULATOR_HELP),
) -> int:
    """End a friendship (both ways)."""
    from ttminis_cli.users_client import cmd_friends_remove

    return cmd_friends_remove(a, b, emulator=emulator)


# --------------------------------------------------------------------------- entry point


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI; return its exit code. Errors become exit codes here and only here."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("TTMINIS_DEBUG") == "1" or "--debug" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="ttminis", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except _TyperClickException as exc:
        exc.show()
        return EXIT_USAGE if exc.exit_code not in (0, 1) else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("Aborted.", err=True)
        return 130
    except UserError as exc:
        _print_error(exc.render())
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the one place a bug becomes a message instead of a traceback
        if debug:
            raise
        _print_error(f"internal error: {type(exc).__name__}: {exc}\n"
                     "  hint: this is a bug in ttminis; rerun with --debug and report the traceback.")
        return EXIT_USAGE
    return result if isinstance(result, int) else 0


def _print_error(text: str) -> None:
    from rich.console import Console
    from rich.markup import escape

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/] {escape(text)}")


# What is imported and defined by now (typer, its copy of click, this app) lives until the process
# exits. Frozen, the cyclic collector never walks it again: not in the collections a run triggers,
# nor in the full one at exit (together ~10 ms of a warm `ttminis lint`).
gc.freeze()
