"""What the editor shows of a platform member — hover text and completions — read from the one platform
table (ttminis_cli/platform/api.py) and the rule docs; nothing here restates a fact."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttminis_cli.platform.api import Api

DOMAIN_NAMES = {"main": "main domain only", "open-data": "open data domain only", "both": "both domains"}


def valid_in(api: Api, domain: str) -> bool:
    """Whether lint accepts the member in a file of this domain (a worker runs what main may, but for
    friends' data and direct messages)."""
    if domain == "open-data":
        return api.domain in ("open-data", "both")
    return api.domain in ("main", "both")


def members_for(domain: str | None) -> list[Api]:
    """The table's members valid in a domain (every member when the project's domains are unknown)."""
    from ttminis_cli.platform.api import API

    return [api for name, api in sorted(API.items()) if domain is None or valid_in(api, domain)]


def rules_for(api: Api) -> list[str]:
    """The rules that speak of this member: where it may run, what it needs."""
    from ttminis_cli.lint.rules.domain import wrong_domain_rule

    where = wrong_domain_rule(api)
    codes = [where.code] if where is not None else []
    if api.params and any(p.required for p in api.params):
        codes.append("TTM202")
    if api.params is not None:
        codes.append("TTM203")
    if api.guard:
        codes.append("TTM206")
    if api.name == "setUserCloudStorage":
        codes.extend(["TTM301", "TTM302", "TTM303"])
    return codes


def signature(api: Api) -> str:
    if api.style == "property":
        return api.name
    if api.style == "listener":
        return f"{api.name}(handler)"
    return f"{api.name}({'options' if api.params else ''})"


def describe(api: Api, host: str = "tt") -> str:
    """The hover text of a member, as markdown."""
    from ttminis_cli.lint.registry import RULES

    lines = [f"**{host}.{signature(api)}** — {DOMAIN_NAMES[api.domain]} · {api.family} · {api.style}"]
    if api.params:
        params = ", ".join(f"`{p.name}`{'*' if p.required else ''} {p.type}" for p in api.params
                           if p.name not in ("success", "fail", "complete"))
        callbacks = [p.name for p in api.params if p.name in ("success", "fail", "complete")]
        if params:
            lines.append(f"Parameters (* required): {params}" + (f"; callbacks {', '.join(callbacks)}" if callbacks else ""))
        elif callbacks:
            lines.append(f"Callbacks: {', '.join(callbacks)}")
    for other, ours in api.renamed:
        lines.append(f"WeChat and Douyin name `{ours}` `{other}`.")
    if api.min_client:
        guard = f"; check `{host}.canIUse('{api.name}')` first" if api.guard else ""
        lines.append(f"Minimum TikTok client: {api.min_client}{guard}.")
    if api.notes:
        lines.append(api.notes[0].upper() + api.notes[1:] + ("" if api.notes.endswith(".") else "."))
    links = [f"[{code}]({uri}) {RULES[code].name}" if uri else f"{code} {RULES[code].name}"
             for code, uri in ((code, rule_doc_uri(code)) for code in rules_for(api))]
    if links:
        lines.append("Rules: " + " · ".join(links) + " (`ttminis explain CODE`)")
    return "\n\n".join(lines)


def describe_foreign(name: str, platforms: str, host: str = "tt") -> str:
    """The hover text of a WeChat or Douyin member TikTok does not document (TTM208)."""
    from ttminis_cli.platform.api import TIKTOK_WAY

    way = TIKTOK_WAY.get(name)
    text = f"**{host}.{name}** — a {platforms} mini-game API that TikTok Minis does not document"
    if way:
        text += f"; on TikTok use {way}"
    link = rule_doc_uri("TTM208")
    return text + "." + (f"\n\nRule: [TTM208]({link}) not-on-tiktok" if link else "")


@lru_cache(maxsize=1)
def _rule_docs() -> Path | None:
    """Every rule's `explain` page as a markdown file in the user's cache, written once per version, so
    that a diagnostic's code and a hover can link to it: the editor opens it like any file."""
    from ttminis_cli import __version__
    from ttminis_cli.lint.registry import RULES
    from ttminis_cli.lint.reporters import rule_markdown

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ttminis" / "rules" / __version__
    try:
        base.mkdir(parents=True, exist_ok=True)
        for code, rule in RULES.items():
            page = base / f"{code}.md"
            text = rule_markdown(rule)
            if not page.is_file() or page.read_text(encoding="utf-8") != text:
                page.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return base


def rule_doc_uri(code: str) -> str | None:
    """A file:// link to a rule's doc page, or None when it cannot be written."""
    base = _rule_docs()
    return (base / f"{code}.md").as_uri() if base is not None else None
