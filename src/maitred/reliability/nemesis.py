"""The nemesis: faults every 0.5-2 s while clients work, each recorded in the history.

- `terminate-backend`: `pg_terminate_backend` on a random connection of the server's or the
  worker's pool (mid-transaction or idle, whichever it finds);
- `client-timeout`: a random client's next request gives up after 5-100 ms, while the server
  goes on with it;
- `kill-worker`: SIGKILL to `maitred worker`, started again 0.2-1 s later (`restart-worker`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

import psycopg

from maitred.benchmarks.process import WorkerProcess
from maitred.reliability.client import RecordingClient
from maitred.reliability.history import History
from maitred.settings import APP_ROLE, WORKER_ROLE

VICTIM = """
SELECT pid, usename, state FROM pg_stat_activity
WHERE datname = current_database() AND usename = ANY(%s) AND pid <> pg_backend_pid()
ORDER BY random() LIMIT 1
"""


class Nemesis(threading.Thread):
    def __init__(
        self,
        history: History,
        owner_conninfo: str,
        clients: Sequence[RecordingClient],
        worker: WorkerProcess | None,
        seed: int = 0,
    ) -> None:
        super().__init__(name="nemesis", daemon=True)
        self.history = history
        self.owner_conninfo = owner_conninfo
        self.clients = clients
        self.worker = worker
        self.rng = random.Random(seed)
        self.halt = threading.Event()

    def run(self) -> None:
        faults = ["terminate-backend", "client-timeout"]
        if self.worker is not None:
            faults.append("kill-worker")
        with psycopg.connect(self.owner_conninfo, autocommit=True) as conn:
            while not self.halt.wait(self.rng.uniform(0.5, 2.0)):
                match self.rng.choice(faults):
                    case "terminate-backend":
                        self.terminate_backend(conn)
                    case "client-timeout":
                        self.client_timeout()
                    case _:
                        self.kill_worker()

    def stop(self) -> None:
        self.halt.set()
        self.join()
        if self.worker is not None and not self.worker.running:
            self.worker.start()
            self.history.nemesis("restart-worker")

    def terminate_backend(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        victim = conn.execute(VICTIM, [[APP_ROLE, WORKER_ROLE]]).fetchone()
        if victim is None:
            return
        pid, role, state = victim
        conn.execute("SELECT pg_terminate_backend(%s)", [pid])
        self.history.nemesis("terminate-backend", {"pid": pid, "role": role, "state": state})

    def client_timeout(self) -> None:
        client = self.rng.choice(self.clients)
        seconds = round(self.rng.uniform(0.005, 0.1), 3)
        client.next_timeout = seconds
        self.history.nemesis("client-timeout", {"client": client.process, "seconds": seconds})

    def kill_worker(self) -> None:
        assert self.worker is not None
        self.worker.kill()
        self.history.nemesis("kill-worker")
        if not self.halt.wait(self.rng.uniform(0.2, 1.0)):
            self.worker.start()
            self.history.nemesis("restart-worker")
