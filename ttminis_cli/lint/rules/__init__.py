"""Rule families, one module each. Every module defines `RULES` (its RuleInfo docs) and
`check_file(model)`; families with cross-file rules also define `check_project(facts, report)`, and
those in PER_CALL `call_check(model)`: a function of one call, which the analysis runs on each call
in turn, after every family's check_file.

A rule's bad/good example is one file (at `bad_path`), or several, each introduced by a line
`// file: <path>` — cross-file rules need both sides of the boundary to be shown (and tested).
"""

from __future__ import annotations

from ttminis_cli.lint.rules import api, domain, general, messaging, runtime, storage

FAMILIES = (general, domain, api, storage, messaging, runtime)
PER_CALL = (api, storage)
