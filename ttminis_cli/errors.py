"""The one exception type that reaches users, and the exit codes of DESIGN §2."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # lint/validate findings, or a refused operation (storage limit, unknown user)
EXIT_USAGE = 2  # usage error, unreadable config, emulator unreachable


class UserError(Exception):
    """An error a user can act on: printed as one message (plus an optional hint), never a traceback.

    `where` is a location (``file:line:col``, a JSON pointer, or a URL) shown before the message.
    """

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None,
                 exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint
        self.exit_code = exit_code

    def render(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        return f"{head}\n  hint: {self.hint}" if self.hint else head
