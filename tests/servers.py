"""Server processes for tests: started on 127.0.0.1 at a free port, waited for with bounded
polling of a health URL, and always stopped by the test that started them."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`command` run with its output in `log`, up once `health_url` answers 200 (or an error
    naming the log after `timeout` seconds, or as soon as the process exits)."""

    def __init__(self, command: list[str], health_url: str, log: Path, timeout: float = 90.0):
        self.log = log
        with open(log, "wb") as handle:
            self.process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{command[:4]} exited ({self.process.returncode}): {log.read_text()}")
            try:
                with urllib.request.urlopen(health_url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{command[:4]} not up within {timeout:g} s: {log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: the server dies at once, mid-answer."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within 30 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
