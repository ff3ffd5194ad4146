"""The entry points: version, help, python -m, and error-to-exit-code mapping."""

import subprocess
import sys

from typer.testing import CliRunner

from ttminis_cli import __version__
from ttminis_cli.cli import app, main


def test_version_flag_prints_the_package_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"ttminis {__version__}"


def test_python_dash_m_works_like_the_console_script():
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert __version__ in proc.stdout


def test_unknown_command_is_a_usage_error_with_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    assert "no-such-command" in capsys.readouterr().err


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "validate", "schema", "lint", "rules", "explain", "emulator", "storage"):
        assert command in result.stdout
