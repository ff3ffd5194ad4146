"""The README is the user's first page: it must not drift from the code."""

import re
from pathlib import Path

import typer

from ttminis_cli import config
from ttminis_cli.cli import app
from ttminis_cli.lint.registry import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_block_commands():
    block = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_opens_with_the_setup_and_test_commands_that_ci_runs():
    setup, test = _first_block_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert setup in ci and test in ci
    assert "pytest" in test


def _command_paths(command, prefix=()):
    if getattr(command, "commands", None):  # a group (typer vendors its own click)
        for name, sub in command.commands.items():
            yield from _command_paths(sub, (*prefix, name))
    else:
        yield prefix


def test_every_command_is_in_the_readme():
    paths = list(_command_paths(typer.main.get_command(app)))
    assert len(paths) >= 14, paths
    for path in paths:
        if path[0] == "storage":  # documented together as `ttminis storage get/set/…`
            assert re.search(rf"ttminis storage [\w/]*\b{path[1]}\b", README), path
        else:
            assert f"ttminis {' '.join(path)}" in README, path


def test_every_rule_is_in_the_readme_table_with_its_name_severity_and_fix():
    rows = dict(re.findall(r"^\| (TTM\d{3}) \| (.+?) \|", README, re.M))
    assert set(rows) == set(RULES)
    for code, rule in RULES.items():
        assert rows[code].split(" (")[0] == rule.name
        assert ("(opt-in)" in rows[code]) is rule.opt_in, code
        fix = re.escape(rule.fixable or "—")
        assert re.search(rf"^\| {code} \| .+? \| {rule.severity.value} \| {fix} \|$", README, re.M), code


def test_every_config_key_is_in_the_readme_example():
    example = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    for table, keys in config._TABLES.items():
        assert f"[{table}]" in example
        for key in keys:
            assert re.search(rf"^(\[lint\.)?{re.escape(key)}\]?( =|$)", example, re.M), key
