"""The server under test, started as a user deploys it: ``omnidesk serve`` in its own process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO


@dataclass(frozen=True)
class RunningServer:
    host: str
    port: int
    pid: int

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.host}:{self.port}/websocket"


# Straight to the server, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(
    database_url: str,
    *,
    host: str = "127.0.0.1",
    timeout: float = 120.0,
    processes: int = 1,
    redis_url: str | None = None,
) -> Iterator[RunningServer]:
    """Run ``omnidesk serve`` (with ``processes`` server processes) on a free port until the block ends.
    Its log goes to a temporary file, shown if it fails to start."""
    port = _free_port(host)
    env = {
        **os.environ,
        **({"OMNIDESK_REDIS_URL": redis_url} if redis_url else {}),
        "OMNIDESK_DATABASE_URL": database_url,
        "OMNIDESK_HOST": host,
        "OMNIDESK_PORT": str(port),
        # No access log: one line per request would cost the server more than some requests do.
        "OMNIDESK_LOG_LEVEL": "warning",
    }
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "omnidesk.cli",
                "serve",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(processes),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(host, port, process, log, timeout)
            yield RunningServer(host=host, port=port, pid=process.pid)
        except BaseException:
            log.seek(0)
            print(f"--- the end of the server's log:\n{log.read()[-6000:]}", file=sys.stderr)
            raise
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(
    host: str,
    port: int,
    process: subprocess.Popen[bytes],
    log: IO[str],
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"omnidesk serve exited with {process.returncode}:\n{log.read()[-4000:]}")
        try:
            with _DIRECT.open(f"http://{host}:{port}/api/info", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"omnidesk serve did not answer within {timeout:.0f} s:\n{log.read()[-4000:]}")
