"""Every lint rule's documentation, collected from the rule modules, ordered by code."""

from __future__ import annotations

from ttminis_cli.lint.diagnostic import RuleInfo
from ttminis_cli.lint.rules import FAMILIES

RULES: dict[str, RuleInfo] = {info.code: info for info in sorted(
    (info for family in FAMILIES for info in family.RULES), key=lambda i: i.code)}
