"""`ttminis dev` as the tests run it: the real CLI in a child process on a free loopback port."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from conftest import free_port

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "dev"
TSC = REPO / "tests" / "node" / "node_modules" / ".bin" / "tsc"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
READY_TIMEOUT_S = 30.0


@dataclass
class DevServer:
    proc: subprocess.Popen
    port: int
    root: Path
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        return self.proc.returncode


def start_dev(root: Path, log_dir: Path, *args: str) -> DevServer:
    """`ttminis dev ROOT --no-open --port N ARGS` until it answers; RuntimeError with its log if not."""
    for _ in range(3):  # another process may take the port between free_port() and bind
        port = free_port()
        log_path = log_dir / f"dev-{port}.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "ttminis_cli", "dev", str(root), "--no-open", "--port",
                                     str(port), *args], stdout=log, stderr=subprocess.STDOUT, cwd=log_dir)
        server = DevServer(proc, port, root, log_path)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{server.url}/v1/users", timeout=2).status_code == 200:
                    return server
            except httpx.TransportError:
                time.sleep(0.05)
        server.stop()
        if "already in use" not in server.log():
            raise RuntimeError(f"ttminis dev did not start (exit {proc.returncode}):\n{server.log()}")
    raise RuntimeError("no free port for ttminis dev")


def copy_fixture(name: str, target: Path) -> Path:
    """A fixture project copied out of the repository: what runs there (lint's cache) stays out of it."""
    return Path(shutil.copytree(FIXTURES / name, target / name))


def init_project(target: Path, template: str = "js") -> Path:
    """A fresh `ttminis init` project; the TypeScript one built with the real tsc."""
    done = subprocess.run([sys.executable, "-m", "ttminis_cli", "init", str(target), "--template", template,
                           "--no-input"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    if template == "ts":
        build(target)
    return target


def build(root: Path) -> None:
    done = subprocess.run([str(TSC), "-p", str(root / "tsconfig.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
