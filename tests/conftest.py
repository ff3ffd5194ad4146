"""Shared fixtures: the real emulator, started as `python -m ttminis_cli emulator start` on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningEmulator:
    """One emulator process: its address, data file and log."""

    proc: subprocess.Popen
    port: int
    data_path: Path | None
    log_path: Path
    stopped: bool = field(default=False)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Stop with `sig` (a clean shutdown) and wait; kill when it does not stop in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT_S)
        self.stopped = True
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine's user kills it hard."""
        self.proc.kill()
        self.proc.wait(STOP_TIMEOUT_S)
        self.stopped = True


def start_emulator(tmp_dir: Path, *extra_args: str, data: Path | str | None = None, in_memory: bool = False,
                   seed: Path | str | None = None, cwd: Path | None = None) -> RunningEmulator:
    """Start the emulator on a free port and wait until it answers; raise with its log if it does not."""
    args = list(extra_args)
    if in_memory:
        args.append("--in-memory")
    elif data is not None:
        args += ["--data", str(data)]
    if seed is not None:
        args += ["--seed", str(seed)]
    for _ in range(3):  # another process may take the port between free_port() and bind
        port = free_port()
        log_path = tmp_dir / f"emulator-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "emulator", "start", "--port", str(port),
                                     *args], stdout=log, stderr=subprocess.STDOUT, cwd=cwd or tmp_dir)
        emulator = RunningEmulator(proc, port, Path(data) if data is not None else None, log_path)
        if _wait_ready(emulator):
            return emulator
        if "already in use" not in emulator.log():
            emulator.stop()
            raise RuntimeError(f"the emulator did not start (exit {proc.returncode}):\n{emulator.log()}")
    raise RuntimeError("no free port found for the emulator")


def _wait_ready(emulator: RunningEmulator) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if emulator.proc.poll() is not None:
            return False
        try:
            if httpx.get(f"{emulator.url}/v1/users", timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False


@pytest.fixture
def emulator_factory(tmp_path):
    """`start(*extra_args, data=None, in_memory=False, seed=None)` -> a running emulator; all stopped after."""
    started: list[RunningEmulator] = []

    def start(*extra_args: str, data=None, in_memory: bool = False, seed=None, cwd=None) -> RunningEmulator:
        emulator = start_emulator(tmp_path, *extra_args, data=data, in_memory=in_memory, seed=seed, cwd=cwd)
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        if not emulator.stopped:
            emulator.stop()


@pytest.fixture
def emulator(emulator_factory, tmp_path):
    """One emulator on a fresh SQLite file in tmp_path."""
    return emulator_factory(data=tmp_path / "emulator.db")


@pytest.fixture
def private_user_cache(tmp_path, monkeypatch):
    """A user cache folder of the test's own (lint's cache key lives there)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def age():
    """age(root): every file and folder below and at root as if written long ago, so that the lint's
    caches trust their stats (a stat younger than two seconds could hide a change)."""
    def age(root: Path) -> None:
        for folder, _, files in os.walk(root, topdown=False):
            for name in files:
                os.utime(os.path.join(folder, name), (1_600_000_000, 1_600_000_000))
            os.utime(folder, (1_600_000_000, 1_600_000_000))

    return age
