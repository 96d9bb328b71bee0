"""`maitred serve` and `maitred worker` in processes of their own, for benchmarks and tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx

SERVE = "from maitred.cli import main; main()"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve_process(
    owner_conninfo: str,
    *,
    workers: int = 1,
    pool_size: int | None = None,
    log: IO[bytes] | None = None,
    ready_seconds: float = 120.0,
) -> Iterator[str]:
    """Start `maitred serve` on a free loopback port over this database, wait until /readyz
    answers, yield its base URL, and stop it (SIGTERM, then kill) afterwards."""
    port = free_port()
    env = {**os.environ, "MAITRED_DATABASE_URL": owner_conninfo}
    if pool_size is not None:
        env |= {"MAITRED_POOL_MAX_SIZE": str(pool_size), "MAITRED_POOL_MIN_SIZE": str(pool_size)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,  # Ctrl+C in a terminal stops the caller, which stops this
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError("maitred serve exited before it was ready")
            if time.monotonic() > deadline:
                raise RuntimeError("maitred serve did not become ready")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class WorkerProcess:
    """`maitred worker` in a process of its own, which a test may kill and start again."""

    def __init__(
        self, owner_conninfo: str, settings: dict[str, str], log: IO[bytes] | None = None
    ) -> None:
        worker_env = {f"MAITRED_WORKER__{name.upper()}": value for name, value in settings.items()}
        self.env = {**os.environ, "MAITRED_DATABASE_URL": owner_conninfo, **worker_env}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, "worker"],
            env=self.env,
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if self.log else subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to finish a batch or close a connection."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def __enter__(self) -> WorkerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
