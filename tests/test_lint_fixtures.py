"""Real-game-shaped projects under tests/fixtures/lint/<case>/ are linted whole; each case's
expected.json lists every finding it must give as [path, line, code] — nothing more, nothing less,
because a false finding on working code counts as much as a missed one.

expected.json may also hold "notes": substrings the plan's notes must contain (in order)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttminis_cli.config import Config, find_and_load
from ttminis_cli.lint.engine import lint

FIXTURES = Path(__file__).parent / "fixtures" / "lint"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


@pytest.mark.parametrize("case", CASES)
def test_fixture_gives_exactly_the_expected_findings(case):
    root = (FIXTURES / case).resolve()
    expected = json.loads((root / "expected.json").read_text())
    config = find_and_load(root) if (root / "ttminis.toml").is_file() else Config()
    diagnostics, plan = lint([root], config, cwd=root)
    found = sorted((d.path, d.line, d.code) for d in diagnostics)
    assert found == sorted(tuple(f) for f in expected["findings"]), "\n".join(
        f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics)
    assert plan.warnings == []
    notes = " ".join(plan.notes)
    for text in expected.get("notes", []):
        assert text in notes
    if not expected.get("notes"):
        assert plan.notes == []


def test_there_are_fixtures():
    assert len(CASES) >= 8
