"""Every rule's documentation is executable: its bad example yields exactly its code, its good example
yields nothing, run through the real engine in a project laid out as the example needs. And the
catalogue is exactly DESIGN §4's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ttminis_cli.config import Config, LintConfig
from ttminis_cli.lint.diagnostic import Severity
from ttminis_cli.lint.engine import lint
from ttminis_cli.lint.registry import RULES

# DESIGN §4, transcribed: code, name, severity.
DESIGN_CATALOGUE = """
TTM001 unused-suppression w
TTM002 parse-error e
TTM101 open-data-api-in-main e
TTM102 main-api-in-open-data e
TTM103 cross-domain-import e
TTM104 unavailable-in-open-data e
TTM105 open-data-posts-message e
TTM106 todataurl-with-open-data e
TTM201 unknown-api e
TTM202 missing-required-param e
TTM203 unknown-param w
TTM204 invalid-template-type e
TTM205 wrong-param-type e
TTM206 unguarded-versioned-api w
TTM207 missing-fail-callback w
TTM208 not-on-tiktok w
TTM209 image-url-not-public w
TTM301 storage-key-too-long e
TTM302 storage-value-too-long e
TTM303 storage-value-not-string e
TTM304 duplicate-storage-key w
TTM305 storage-key-never-written w
TTM401 unhandled-message w
TTM402 message-discriminant-mismatch e
TTM403 message-not-cloneable e
TTM501 dynamic-code e
TTM502 external-resource e
TTM503 iframe e
TTM504 blocked-web-api w
"""
HTML_ONLY = {"TTM502", "TTM503", "TTM504"}
SDK_PAGE = '<!doctype html><html><body><script src="https://developers.tiktok.com/js/minis.js"></script>' \
           '<script src="game.js"></script></body></html>\n'


def test_the_catalogue_is_design_section_4():
    expected = {}
    for line in DESIGN_CATALOGUE.strip().splitlines():
        code, name, sev = line.split()
        expected[code] = (name, Severity.WARNING if sev == "w" else Severity.ERROR)
    assert {c: (r.name, r.severity) for c, r in RULES.items()} == expected
    assert list(RULES) == sorted(RULES)
    assert {c for c, r in RULES.items() if r.html_only} == HTML_ONLY


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_is_documented(code):
    rule = RULES[code]
    for part in ("summary", "why", "bad", "good", "fix"):
        assert getattr(rule, part).strip(), f"{code} has no {part}"
    assert rule.bad != rule.good


def write_example(root: Path, example: str, default_path: str, html: bool) -> None:
    root.mkdir(parents=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext", "app_id": "k"}\n')
    if html:
        (root / "index.html").write_text(SDK_PAGE)
    files = re.split(r"^// file: (\S+)\n", example, flags=re.MULTILINE)
    if files[0].strip():
        files = ["", default_path, example]
    for name, text in zip(files[1::2], files[2::2]):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def run(root: Path) -> list:
    """Every rule on, opt-in ones included: each documents its own examples."""
    everything = LintConfig(select=("TTM", *(code for code, rule in RULES.items() if rule.opt_in)))
    diagnostics, _ = lint([root], Config(lint=everything), cwd=root)
    return diagnostics


@pytest.mark.parametrize("code", list(RULES))
def test_bad_example_yields_exactly_its_code(tmp_path, code):
    rule = RULES[code]
    write_example(tmp_path / "p", rule.bad, rule.bad_path, rule.html_only)
    found = run(tmp_path / "p")
    assert found, f"{code}'s bad example yields nothing"
    assert {d.code for d in found} == {code}, [(d.path, d.line, d.code, d.message) for d in found]
    assert all(d.name == rule.name and d.severity == rule.severity for d in found)


@pytest.mark.parametrize("code", list(RULES))
def test_good_example_yields_nothing(tmp_path, code):
    rule = RULES[code]
    write_example(tmp_path / "p", rule.good, rule.bad_path, rule.html_only)
    found = run(tmp_path / "p")
    assert found == [], [(d.path, d.line, d.code, d.message) for d in found]


@pytest.mark.parametrize("code", sorted(HTML_ONLY))
def test_html_rules_stay_off_in_native_games(tmp_path, code):
    rule = RULES[code]
    write_example(tmp_path / "p", rule.bad, rule.bad_path, html=False)
    assert run(tmp_path / "p") == []
