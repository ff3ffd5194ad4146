"""A small, real LSP client: JSON-RPC over the stdio of a `python -m ttminis_cli lsp` subprocess.

Synchronous by design — a thread reads the server's messages into a queue, the test waits for what it
expects with a timeout — so that a test reads as the session it drives. Requests the server makes of
the client (`client/registerCapability`) are answered as an editor would.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

TIMEOUT = 20.0


class LspClient:
    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "lsp"], cwd=cwd, env=env or os.environ.copy(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.server_requests: list[dict] = []
        self._next_id = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.stderr = b""
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    # ---------------------------------------------------------------- wire

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put(json.loads(body))

    def _read_stderr(self) -> None:
        for chunk in iter(lambda: self.proc.stderr.read(4096), b""):
            self.stderr += chunk

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        with self._lock:
            self.proc.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
            self.proc.stdin.flush()

    def _pump(self, timeout: float) -> dict | None:
        """The next message from the server (answering its requests), or None when it closed."""
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no message from the server in {timeout} s; stderr: {self.stderr.decode()[-2000:]}")
        if message is None:
            return None
        if "method" in message and "id" in message:  # a request of the server's
            self.server_requests.append(message)
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "method" in message:
            self.notifications.append(message)
        return message

    # ---------------------------------------------------------------- API

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Any:
        self._next_id += 1
        ident = self._next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._pump(max(0.01, deadline - time.monotonic()))
            if message is None:
                raise ConnectionError(f"the server closed before answering {method}")
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = TIMEOUT, *, seen: int = 0) -> dict:
        """The first notification (from index `seen` of those received) that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        index = seen
        while True:
            while index < len(self.notifications):
                if predicate(self.notifications[index]):
                    return self.notifications[index]
                index += 1
            if self._pump(max(0.01, deadline - time.monotonic())) is None:
                raise ConnectionError("the server closed")

    def diagnostics(self, uri: str, *, seen: int = 0, version: int | None = None, timeout: float = TIMEOUT) -> list:
        """The next diagnostics published for `uri` (of `version`, when given)."""
        note = self.wait_for(lambda m: m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
                             and (version is None or m["params"].get("version") == version), timeout, seen=seen)
        return note["params"]["diagnostics"]

    # ---------------------------------------------------------------- session

    def initialize(self, root: Path, **capabilities) -> dict:
        caps = {"textDocument": {"publishDiagnostics": {"versionSupport": True},
                                 "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                                     "quickfix", "source", "source.fixAll"]}}},
                                 "hover": {"contentFormat": ["markdown", "plaintext"]},
                                 "completion": {"completionItem": {"documentationFormat": ["markdown"]}}},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}, **capabilities}
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                             "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                                             "capabilities": caps})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1, language: str = "javascript") -> str:
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version,
            "text": path.read_text(encoding="utf-8") if text is None else text}})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                               "contentChanges": [{"text": text}]})

    def shutdown(self, timeout: float = TIMEOUT) -> int:
        self.request("shutdown")
        self.notify("exit")
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
