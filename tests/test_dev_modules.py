"""ES module syntax compiled to CommonJS (dev/modules.py) and run by the page's own loader
(static/shim.js), here under Node: what ported games write must mean what it meant."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ttminis_cli.dev.modules import to_commonjs

SHIM = Path(__file__).resolve().parents[1] / "ttminis_cli" / "dev" / "static" / "shim.js"
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

# Node stands in for a browser realm: the loader injects each module as a script (vm here).
RUNNER = """
const vm = require('vm');
globalThis.self = globalThis;
globalThis.reportError = (e) => { throw e; };
vm.runInThisContext(require('fs').readFileSync(process.argv[2], 'utf8'));
const files = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const loader = self.__ttminisShim.createLoader({
  files,
  inject: (code) => { try { vm.runInThisContext(code); return null; } catch (e) { return String(e); } },
  urlOf: (path) => 'game/' + path,
});
new Promise((resolve) => resolve(loader.require('./game.js'))).then(() => {
  process.stdout.write(JSON.stringify(globalThis.out === undefined ? null : globalThis.out));
}, (error) => { process.stdout.write(JSON.stringify({ error: String(error) })); });
"""


def run(files: dict[str, str], tmp_path: Path):
    runner = tmp_path / "runner.js"
    runner.write_text(RUNNER, encoding="utf-8")
    compiled = {path: to_commonjs(source) for path, source in files.items()}
    done = subprocess.run(["node", str(runner), str(SHIM)], input=json.dumps(compiled), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


CASES = [
    ("default import of a CommonJS module",
     {"game.js": "import cfg from './cfg'\nglobalThis.out = cfg.title",
      "cfg.js": "module.exports = { title: 'Tiles' }"}, "Tiles"),
    ("default class and named imports, renamed",
     {"game.js": "import Main, { version as v } from './js/main.js'\nglobalThis.out = [new Main().name, v]",
      "js/main.js": "export default class Main { constructor() { this.name = 'main' } }\nexport const version = 3"},
     ["main", 3]),
    ("a namespace import sees later changes (live binding)",
     {"game.js": "import * as bus from './bus'\nbus.tap(); bus.tap()\nglobalThis.out = bus.taps",
      "bus.js": "export let taps = 0\nexport function tap() { taps += 1 }"}, 2),
    ("re-exports and export *",
     {"game.js": "import { a, bee, deflt } from './index'\nglobalThis.out = [a, bee, deflt]",
      "index.js": "export * from './a'\nexport { b as bee, default as deflt } from './b'",
      "a.js": "export const a = 'A'", "b.js": "export const b = 'B'\nexport default 'D'"}, ["A", "B", "D"]),
    ("destructured exports and export lists",
     {"game.js": "import { x, y, z } from './m'\nglobalThis.out = [x, y, z]",
      "m.js": "const obj = { x: 1, inner: [2] }\nexport const { x, inner: [y] } = obj\nconst w = 3\nexport { w as z }"},
     [1, 2, 3]),
    ("circular imports: a getter read after both modules ran",
     {"game.js": "import { ping } from './a'\nglobalThis.out = ping()",
      "a.js": "import { pong } from './b'\nexport function ping() { return 'ping ' + pong() }",
      "b.js": "import { ping } from './a'\nexport function pong() { return typeof ping }"}, "ping function"),
    ("dynamic import() of a CommonJS module: its namespace, with the exports as default",
     {"game.js": "module.exports = import('./later').then((m) => { globalThis.out = [m.default.n, m.n] })",
      "later.js": "exports.n = 7"}, [7, 7]),
    ("require resolves relative, package-absolute and index paths",
     {"game.js": "globalThis.out = [require('./js/a').v, require('/js/a.js').v, require('./lib').v]",
      "js/a.js": "exports.v = 'a'", "lib/index.js": "module.exports.v = 'lib'"}, ["a", "a", "lib"]),
]


@needs_node
@pytest.mark.parametrize("files, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_es_modules_run_as_they_would_on_the_platform(files, expected, tmp_path):
    assert run(files, tmp_path) == expected


@needs_node
def test_a_missing_module_names_the_path_and_the_requiring_file(tmp_path):
    found = run({"game.js": "require('./js/main')", "js/main.js": "require('../lib/gone')"}, tmp_path)
    assert found == {"error": "Error: Cannot find module '../lib/gone' from js/main.js (the simulator runs the "
                              "project's .js files; a module in the other domain cannot be required)"}


def test_every_statement_keeps_its_line():
    source = ("import a,\n  { b }\n  from './a'\n// comment\nexport const c = 1\n"
              "export {\n  c as d\n}\nexport default function f() {\n  throw new Error('line 10')\n}\n")
    compiled = to_commonjs(source)
    assert compiled.count("\n") == source.count("\n")
    assert compiled.splitlines()[9].strip() == "throw new Error('line 10')"


def test_code_without_module_syntax_is_left_alone():
    source = "// imports are mentioned here, exports too\nconst x = 'import y from z'\n"
    assert to_commonjs(source) == source
    assert to_commonjs("module.exports = { a: 1 }") == "module.exports = { a: 1 }"
