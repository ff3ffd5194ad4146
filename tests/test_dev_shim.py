"""The rule the simulator names for a wrong-domain call is the rule lint reports for the same call."""

from __future__ import annotations

import json
import subprocess
import sys

from ttminis_cli.lint.rules.domain import wrong_domain_rule as rule_of
from ttminis_cli.platform.api import API


def wrong_domain_rule(api):
    rule = rule_of(api)
    return rule and rule.code


def test_each_wrong_domain_call_names_the_rule_lint_reports_for_it(tmp_path):
    (tmp_path / "project.config.json").write_text('{"openDataContext": "openDataContext"}', encoding="utf-8")
    (tmp_path / "openDataContext").mkdir()
    calls = {"main": [a for a in API.values() if a.domain == "open-data"],
             "open-data": [a for a in API.values() if a.domain == "main" and a.style != "property"]}
    files = {"main": tmp_path / "game.js", "open-data": tmp_path / "openDataContext" / "index.js"}
    for domain, apis in calls.items():
        files[domain].write_text("".join(f"tt.{a.name}({{ success() {{}}, fail() {{}} }});\n" for a in apis),
                                 encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--format", "json", "--select", "TTM1", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    reported = {}
    for finding in json.loads(done.stdout):
        domain = "open-data" if finding["path"].startswith("openDataContext") else "main"
        reported[calls[domain][finding["line"] - 1].name] = finding["code"]
    expected = {a.name: wrong_domain_rule(a) for apis in calls.values() for a in apis}
    assert reported == expected
    assert {a.name for a in API.values() if wrong_domain_rule(a) is None} == \
        {a.name for a in API.values() if a.domain == "both"}
