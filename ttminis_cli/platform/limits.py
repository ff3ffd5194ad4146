"""Cloud-storage limits (platform.md, decision 0) and the one check every write path uses.

Lengths are counted as the platform's JavaScript counts `String.length`: in UTF-16 code units, so a
character outside the Basic Multilingual Plane (most emoji) counts 2 (DESIGN §7). Lint, the
emulator and the client all count with `js_length`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

KEY_MAX_CHARS = 128
VALUE_MAX_CHARS = 2048
# Not documented by the platform; a sane bound so one call cannot grow without limit.
MAX_PAIRS_PER_CALL = 128
MAX_KEYS_PER_READ = 128
# The emulator's reads name keys as `?keys=a,b`, so a key holding a comma could be written but
# never read by name: the emulator and the client refuse it (the platform itself is silent).
KEY_SEPARATOR = ","


def js_length(text: str) -> int:
    """`text.length` in JavaScript: UTF-16 code units (an emoji is 2, a lone surrogate 1)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _length(text: str) -> str:
    length = js_length(text)
    if length == len(text):
        return f"{length} characters"
    return f"{length} characters as JavaScript counts them (UTF-16 code units: an emoji is 2)"


@dataclass(frozen=True)
class LimitViolation:
    """Why one key/value pair is refused. `code` is stable (emulator error body, client message)."""

    code: str  # key_empty | key_too_long | key_not_string | key_has_comma | value_too_long | value_not_string
    field: str  # e.g. "data[2].value"
    message: str


def check_key(key: Any, field: str = "key") -> LimitViolation | None:
    if not isinstance(key, str):
        return LimitViolation("key_not_string", field,
                              f"{field} must be a string, got {type(key).__name__}")
    if not key:
        return LimitViolation("key_empty", field, f"{field} must not be empty")
    if js_length(key) > KEY_MAX_CHARS:
        return LimitViolation("key_too_long", field,
                              f"{field} is {_length(key)}; keys may have at most {KEY_MAX_CHARS}")
    if KEY_SEPARATOR in key:
        return LimitViolation("key_has_comma", field,
                              f"{field} holds ',', which separates keys in the emulator's ?keys=a,b reads: "
                              "no key may hold one; use another character")
    return None


def check_value(value: Any, field: str = "value") -> LimitViolation | None:
    if not isinstance(value, str):
        return LimitViolation("value_not_string", field,
                              f"{field} must be a string, got {type(value).__name__} "
                              "(use String(x) or JSON.stringify(x))")
    if js_length(value) > VALUE_MAX_CHARS:
        return LimitViolation("value_too_long", field,
                              f"{field} is {_length(value)}; values may have at most {VALUE_MAX_CHARS}")
    return None


def check_pairs(pairs: Iterable[tuple[Any, Any]], list_name: str = "data") -> LimitViolation | None:
    """The first violation in a batch of (key, value) pairs, or None when the whole batch is valid."""
    count = 0
    for i, (key, value) in enumerate(pairs):
        count += 1
        violation = (check_key(key, f"{list_name}[{i}].key")
                     or check_value(value, f"{list_name}[{i}].value"))
        if violation:
            return violation
    if count > MAX_PAIRS_PER_CALL:
        return LimitViolation("too_many_pairs", list_name,
                              f"{list_name} has {count} pairs; one call may write at most {MAX_PAIRS_PER_CALL}")
    return None
