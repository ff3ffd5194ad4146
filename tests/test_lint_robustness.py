"""Whatever the input, `ttminis lint` finishes with a sensible exit code and no traceback.

Hostile inputs go through the real CLI in a subprocess (as a user or CI runs it); a hypothesis
property test mutates real sources and feeds them to engine.analyze directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ttminis_cli.lint.registry import RULES

REPO = Path(__file__).resolve().parent.parent
GOLDEN_SRC = REPO / "tests" / "golden" / "lint" / "src"


def _project(root: Path) -> Path:
    (root / "openDataContext").mkdir(parents=True)
    (root / "project.config.json").write_text('{"openDataContext": "openDataContext"}\n')
    (root / "openDataContext" / "index.js").write_text("tt.onMessage(function (msg) {});\n")
    (root / "game.js").write_text("export const ok = 1;\n")
    return root


def _lint(root: Path, *args: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess, list[dict]]:
    env = {**os.environ, "XDG_CACHE_HOME": str(root.parent / "xdg")}
    proc = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "--format", "json", *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    return proc, json.loads(proc.stdout)


def _codes_for(findings: list[dict], path: str) -> set[str]:
    return {d["code"] for d in findings if d["path"] == path}


def test_a_syntax_error_is_ttm002_and_other_rules_still_run(tmp_path):
    root = _project(tmp_path / "g")
    (root / "broken.js").write_text("function (\n  tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png' });\n"
                                    "const = ;\n")
    proc, findings = _lint(root)
    assert proc.returncode == 1
    assert "TTM002" in _codes_for(findings, "broken.js")
    assert "TTM101" in _codes_for(findings, "broken.js")


@pytest.mark.parametrize("name, content", [
    ("empty.js", b""),
    ("latin1.js", b"const s = '\xe9t\xe9';\ntt.showToast({ title: '\xff\xfe' });\n"),
    ("bom.ts", b"\xef\xbb\xbfconst n: number = 1;\n"),
    ("binary.js", bytes(range(256)) * 64),
    ("nul.tsx", b"const a = <div>\x00</div>;\n"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_odd_bytes_never_crash(tmp_path, name, content):
    root = _project(tmp_path / "g")
    (root / name).write_bytes(content)
    proc, findings = _lint(root)
    assert _codes_for(findings, name) <= set(RULES)
    if name == "empty.js":
        assert _codes_for(findings, name) == set()


def test_a_10_mb_one_line_bundle(tmp_path):
    root = _project(tmp_path / "g")
    chunk = "var a%d=function(b){return b*%d+tt.getSystemInfoSync().pixelRatio};"
    body = "".join(chunk % (i, i) for i in range(10_000_000 // len(chunk % (0, 0)) + 1))
    (root / "bundle.js").write_text(body + "tt.shareToUser({openid:'a',imageUrl:'https://x/y.png'});")
    assert (root / "bundle.js").stat().st_size >= 10_000_000
    proc, findings = _lint(root, "--include-vendored", timeout=300)  # minified: skipped by default
    hits = [d for d in findings if d["path"] == "bundle.js" and d["code"] == "TTM101"]
    assert hits and hits[0]["line"] == 1 and hits[0]["column"] > 9_000_000
    text = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint", "bundle.js"], cwd=root, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert max(len(line) for line in text.stdout.splitlines()) < 400  # the code frame is clipped


@pytest.mark.parametrize("shape", ["arrays", "calls", "blocks"])
def test_5000_deep_nesting(tmp_path, shape):
    depth = 5000
    opener, closer = {"arrays": ("[", "]"), "calls": ("f(", ")"), "blocks": ("{", "}")}[shape]
    root = _project(tmp_path / "g")
    (root / "deep.js").write_text(f"const x = {opener * depth}tt.shareToUser({{}}){closer * depth};\n"
                                  if shape != "blocks" else f"{opener * depth}tt.shareToUser({{}});{closer * depth}\n")
    _lint(root, timeout=300)


def test_symlink_loops_and_dangling_links_are_skipped_with_a_warning(tmp_path):
    root = _project(tmp_path / "g")
    (root / "src").mkdir()
    (root / "src" / "loop").symlink_to(root / "src")
    (root / "src" / "self.js").symlink_to(root / "src" / "self.js")
    (root / "src" / "dangling.js").symlink_to(root / "nowhere.js")
    (root / "src" / "real.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png' });\n")
    proc, findings = _lint(root)
    assert proc.returncode == 1
    assert "TTM101" in _codes_for(findings, "src/real.js")
    assert "warning:" in proc.stderr


def test_a_fifo_named_like_a_source_is_not_waited_on(tmp_path):
    root = _project(tmp_path / "g")
    os.mkfifo(root / "pipe.js")
    _lint(root, timeout=60)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_an_unreadable_file_is_a_warning_then_the_rest_is_linted(tmp_path):
    # Tests run as root, who reads chmod 000 files; /proc/self/mem is a regular file that fails
    # to read (EIO at offset 0) for everyone.
    root = _project(tmp_path / "g")
    (root / "secret.js").symlink_to("/proc/self/mem")
    (root / "other.js").write_text("tt.shareToUser({ openid: 'a', imageUrl: 'https://x/y.png' });\n")
    proc, findings = _lint(root)
    assert "secret.js: cannot read" in proc.stderr
    assert "TTM101" in _codes_for(findings, "other.js")
    text = subprocess.run([sys.executable, "-m", "ttminis_cli", "lint"], cwd=root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert "(3 files checked)" in text.stdout  # game.js, openDataContext/index.js, other.js


# --------------------------------------------------------------------------- property: mutated real sources


def _seed_sources() -> list[tuple[str, bytes]]:
    """Real sources with their language: the scaffold's games, the engine-layout fixtures, the
    reporter fixtures, and every rule's bad and good example."""
    language = {".js": "js", ".ts": "ts", ".tsx": "tsx", ".html": "html"}
    files = [p for folder in (REPO / "templates", REPO / "tests" / "fixtures" / "lint", GOLDEN_SRC)
             for p in sorted(folder.rglob("*")) if p.suffix in language and p.is_file()]
    sources = [(language[p.suffix], p.read_bytes()) for p in files]
    for rule in RULES.values():
        for example in (rule.bad, rule.good):
            if example:
                sources.append((language.get(Path(rule.bad_path).suffix, "js"), example.encode()))
    return sources


SOURCES = _seed_sources()


@st.composite
def mutated(draw):
    language, source = draw(st.sampled_from(SOURCES))
    data = bytearray(source)
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 40)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if kind == "delete":
            del data[i:j]
        elif kind == "insert":
            data[i:i] = draw(st.binary(max_size=12) | st.sampled_from(
                [b"{", b"}", b"(", b"`${", b"/*", b"'", b"tt.", b"// ttminis-disable-next-line\n", b"\xff"]))
        else:
            data[i:i] = data[i:j]
    return language, bytes(data)


@pytest.fixture(scope="module")
def tasks(tmp_path_factory):
    """One real FileTask per language and domain, from the engine's own planning of a project."""
    from ttminis_cli.config import Config
    from ttminis_cli.lint import engine

    root = _project(tmp_path_factory.mktemp("prop") / "g")
    for name in ("a.ts", "openDataContext/b.ts", "c.tsx", "openDataContext/d.tsx"):
        (root / name).write_text("")
    (root / "index.html").write_text('<script src="https://developers.tiktok.com/js/minis.js"></script>')
    plan = engine.plan([root], Config(), cwd=root)
    return {(t.language, t.ctx.domain): t for t in plan.tasks}


@settings(max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sample=mutated(), open_data=st.booleans())
def test_analyze_and_finish_never_raise_on_mutated_sources(tasks, sample, open_data):
    from ttminis_cli.config import Config
    from ttminis_cli.lint import engine

    language, source = sample
    domain = "open-data" if open_data else "main"
    task = tasks.get((language, domain)) or tasks.get((language, "main"))
    if task is None:
        pytest.skip(f"the engine plans no {language} file")
    result = engine.analyze(task, source)
    assert all(d.code in RULES for d in result.diagnostics)
    for d in engine.finish([result], Config()):
        assert d.code in RULES and d.line >= 1 and d.column >= 1


@pytest.mark.parametrize("unit", [
    # one finding per call (TTM303, with its fix), all on one line: cost per finding must not grow with
    # the line's length or the number of findings before it
    "tt.setUserCloudStorage({data:[{key:'k%d',value:%d}],fail:function(){}});",
    # a minified engine reusing one-letter names, one function in ten holding `wx`
    "function a%d(){var r;r=wx;return r}function b%d(t,e){var r;r=t.res;r.Register(1);return r}",
])
def test_analysis_is_linear_in_size_and_findings(unit):
    """Four times the bundle costs about four times the CPU: a quadratic step (a search back through
    the line, a count over the file per finding) makes it sixteen."""
    import time

    from ttminis_cli.lint.engine import analyze
    from ttminis_cli.lint.records import FileContext, FileTask

    def cpu(n: int) -> float:
        source = "".join(unit.replace("%d", str(i)) for i in range(n)).encode()
        task = FileTask(FileContext("bundle.js", "/p/bundle.js", "main", "/p", False, True, False, ()), "js")
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            result = analyze(task, source)
            best = min(best, time.process_time() - start)
        assert result.diagnostics or "wx" in unit
        return best

    small, big = cpu(1_500), cpu(6_000)
    assert big / small < 8, f"{small:.3f} s for 1,500 units, {big:.3f} s for 6,000"


@pytest.mark.parametrize("fmt", ["text", "sarif"])
def test_reporting_findings_on_one_long_line_is_linear(tmp_path, monkeypatch, fmt):
    """A code frame shows a window of the line and a SARIF fingerprint its text: neither may copy a
    bundle's whole line of megabytes once per finding."""
    import io
    import time

    from ttminis_cli.lint.diagnostic import Diagnostic
    from ttminis_cli.lint.registry import RULES
    from ttminis_cli.lint.reporters import LintReport, get_reporter

    monkeypatch.chdir(tmp_path)
    unit = "tt.setUserCloudStorage({data:[{key:'k',value:1}],fail:function(){}});"

    def cpu(n: int) -> float:
        Path("bundle.js").write_text(unit * n)
        found = [Diagnostic("bundle.js", 1, i * len(unit) + 40, "TTM303", "a number", end_column=i * len(unit) + 41)
                 for i in range(n)]
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            get_reporter(fmt)(io.StringIO(), io.StringIO(), rules=RULES).report(LintReport(found, 1))
            best = min(best, time.process_time() - start)
        return best

    small, big = cpu(1_500), cpu(6_000)
    assert big / small < 8, f"{small:.3f} s for 1,500 findings, {big:.3f} s for 6,000"


def test_fixing_many_findings_is_linear():
    """Each fix is checked against the fixes taken and the findings it could swallow: by bisection,
    not by a look at every one (60,000 fixes in one bundle took minutes)."""
    import time

    from ttminis_cli.lint.engine import analyze
    from ttminis_cli.lint.fixes import apply
    from ttminis_cli.lint.records import FileContext, FileTask

    unit = "tt.setUserCloudStorage({data:[{key:'k%d',value:%d}],fail:function(){}});"
    task = FileTask(FileContext("bundle.js", "/p/bundle.js", "main", "/p", False, True, False, ()), "js")

    def cpu(n: int) -> float:
        text = "".join(unit.replace("%d", str(i)) for i in range(n))
        found = analyze(task, text.encode()).diagnostics
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            fixed_text, fixed = apply(text, found)
            best = min(best, time.process_time() - start)
        assert len(fixed) == n and "value:'1'" in fixed_text
        return best

    small, big = cpu(1_500), cpu(6_000)
    assert big / small < 8, f"{small:.3f} s for 1,500 fixes, {big:.3f} s for 6,000"


from hypothesis import given as _given  # noqa: E402
from hypothesis import settings as _settings  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402

_WORDISH = "ab$_1"


def _whole_words(words: tuple[str, ...], text: bytes, start: int, end: int) -> list[tuple[int, int]]:
    """The reference: left to right, at a start no identifier byte precedes, the longest word that no
    identifier byte follows before `end` (as for finditer, the text ends there: word_nodes then keeps only
    hits that are a whole node)."""
    identifier = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") | set(range(0x80, 0x100))
    ordered = sorted({w.encode() for w in words}, key=len, reverse=True)
    out, at = [], start
    while at < end:
        found = None
        if at == 0 or text[at - 1] not in identifier:
            for word in ordered:
                after = at + len(word)
                if after <= end and text[at:after] == word and (after >= end or text[after] not in identifier):
                    found = after
                    break
        if found is None:
            at += 1
        else:
            out.append((at, found))
            at = found
    return out


@_settings(max_examples=400, deadline=None)
@_given(_st.lists(_st.text(_WORDISH, min_size=1, max_size=4).filter(lambda w: not w[0].isdigit()),
                  min_size=1, max_size=60),
        _st.text(_WORDISH + ".( é", max_size=120), _st.integers(0, 5), _st.integers(0, 5))
def test_the_word_pattern_finds_exactly_the_whole_words(words, text, lead, trail):
    """parse.word_regex, for few words and for many sharing their first bytes (a minified bundle's)."""
    from ttminis_cli.lint.parse import word_regex

    source = text.encode()
    start, end = min(lead, len(source)), max(len(source) - trail, 0)
    expected = _whole_words(tuple(words), source, start, end) if start < end else []
    found = [m.span() for m in word_regex(tuple(sorted(set(words)))).finditer(source, start, end)] if start < end else []
    assert found == expected


@_settings(max_examples=300, deadline=None)
@_given(_st.text(_st.sampled_from(list("ab é😀'\"\\&nux{}0\n$`")), max_size=12), _st.sampled_from(["'", '"']))
def test_a_string_read_off_its_text_is_the_string_its_parts_make(body, quote):
    """parse.string_of reads a plain string literal between its quotes; whatever the literal (escapes,
    the other quote, `&`, a line break that leaves it unclosed), that is what its fragments and escape
    sequences make, or string_of does not take that way."""
    from ttminis_cli.lint import parse as P

    source = f"x = {quote}{body}{quote};\n".encode()
    tree = P.parse("js", source)
    for node in P.walk(tree.root_node):
        if node.type == "string":
            assert P.string_of(node, "string") == P.string_by_parts(node), source
