"""Rule families, one module each. Every module defines `RULES` (its RuleInfo docs) and
`check_file(model)`; families with cross-file rules also define `check_project(facts, report)`."""

from __future__ import annotations

from ttminis_cli.lint.rules import api, domain, general, messaging, runtime, storage

FAMILIES = (general, domain, api, storage, messaging, runtime)
