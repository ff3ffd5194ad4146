"""The built wheel, installed non-editable in a fresh venv, can `init`, `validate` and print the schema.

The venv borrows the dependencies from the running interpreter (--system-site-packages) but gets
its own copy of ttminis from the wheel; the test checks that this copy is the one that runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run(*args, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the venv's bin folder)."""
    out = tmp_path_factory.mktemp("wheel")
    build = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, REPO,
                cwd=out)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = out.glob("ttminis-*.whl")
    venv = tmp_path_factory.mktemp("venv")
    made = run(sys.executable, "-m", "venv", "--system-site-packages", venv, cwd=venv)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    # --ignore-installed: never touch the editable install the venv can see through system site-packages.
    install = run(bin_dir / "python", "-m", "pip", "install", "--no-deps", "--ignore-installed", "--no-index",
                  wheel, cwd=venv)
    assert install.returncode == 0, install.stdout + install.stderr
    return wheel, bin_dir


@pytest.mark.slow
def test_the_wheel_holds_every_template_the_schema_and_the_simulator_page(wheel_venv):
    wheel, _ = wheel_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert templates and {f"ttminis_cli/_templates/{t}" for t in templates} <= names
    assert "ttminis_cli/schemas/project.config.schema.json" in names
    pages = {p.name for p in (REPO / "ttminis_cli" / "dev" / "static").iterdir()}  # what `ttminis dev` serves
    assert pages and {f"ttminis_cli/dev/static/{n}" for n in pages} <= names


@pytest.mark.slow
def test_the_installed_wheel_runs_init_validate_and_schema(wheel_venv, tmp_path):
    _, bin_dir = wheel_venv
    where = run(bin_dir / "python", "-c",
                "import ttminis_cli, ttminis_cli.scaffold as s; print(ttminis_cli.__file__); print(s.templates_root())",
                cwd=tmp_path)
    module_file, templates = where.stdout.splitlines()
    venv = bin_dir.parent.resolve()
    assert Path(module_file).resolve().is_relative_to(venv), module_file
    assert Path(templates).resolve().is_relative_to(venv) and templates.endswith("_templates"), templates

    for template in ("js", "ts"):
        created = run(bin_dir / "ttminis", "init", f"demo-{template}", "-t", template, "--no-input", cwd=tmp_path)
        assert created.returncode == 0, created.stdout + created.stderr
        entry = "game.js" if template == "js" else "game.ts"
        assert (tmp_path / f"demo-{template}" / entry).is_file()
        assert (tmp_path / f"demo-{template}" / "openDataContext" / f"index.{template}").is_file()
        checked = run(bin_dir / "ttminis", "validate", f"demo-{template}", "--format", "json", cwd=tmp_path)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert {f["severity"] for f in json.loads(checked.stdout)} <= {"warning", "note"}

    schema = run(bin_dir / "ttminis", "schema", cwd=tmp_path)
    assert schema.returncode == 0
    assert schema.stdout == (REPO / "ttminis_cli" / "schemas" / "project.config.schema.json").read_text()
