"""The stage every scenario runs on: restaurants with a 20-table floor and keys, in a database of
their own, served by `maitred serve` and worked by `maitred worker` in processes of their own."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from uuid import UUID

from maitred.benchmarks.process import WorkerProcess, serve_process
from maitred.db.database import Database
from maitred.db.target import DatabaseTarget
from maitred.domain.api_keys import Role
from maitred.formats.floorplan import parse_floorplan
from maitred.services.api_keys import create_key
from maitred.services.venues import import_floorplan
from maitred.settings import Settings

# Short holds, so abandoned holds expire and the sweeper has work during a run.
POLICY = """policy:
  services: [{name: dinner, start: "17:00", end: "23:00"}]
  turn_times:
    - {max_party: 2, minutes: 75}
    - {max_party: 4, minutes: 90}
    - {max_party: 99, minutes: 105}
  buffer_minutes: 5
  hold_ttl_seconds: %(ttl)d
  hold_ttl_min_seconds: 1
  hold_ttl_max_seconds: 120
"""


def floor_text(name: str, hold_ttl_seconds: int = 20) -> str:
    """Twenty tables in two zones (2-, 4- and 6-tops), each zone a chain that can be merged."""
    sizes = [2, 2, 4, 4, 2, 4, 6, 2, 4, 4]
    lines = [f"restaurant: {{name: {name}, timezone: Europe/London}}"]
    lines.append(POLICY % {"ttl": hold_ttl_seconds} + "zones:")
    for zone in ("Main", "Terrace"):
        labels = [f"{zone[0]}{i + 1}" for i in range(len(sizes))]
        lines += [f"  - name: {zone}", "    tables:"]
        lines += [
            f"      - {{label: {label}, capacity: {seats}}}"
            for label, seats in zip(labels, sizes, strict=True)
        ]
        edges = ", ".join(f"[{a}, {b}]" for a, b in itertools.pairwise(labels))
        lines.append(f"    adjacency: [{edges}]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Restaurant:
    """A restaurant of the stage: its id, a key of every role, and one host key per client."""

    id: UUID
    keys: dict[Role, str]
    client_keys: list[str] = field(default_factory=list)

    def path(self, suffix: str) -> str:
        return f"/v1/restaurants/{self.id}{suffix}"


@dataclass(frozen=True)
class Stage:
    owner_conninfo: str
    app_conninfo: str
    restaurants: list[Restaurant]

    def database(self, pool_size: int = 2) -> Database:
        """An application pool over the stage's database (open it with `with`)."""
        settings = Settings(
            database_url=self.owner_conninfo, pool_min_size=0, pool_max_size=pool_size
        )
        target = DatabaseTarget(self.owner_conninfo, self.app_conninfo, embedded=False)
        return Database(target, settings)


def prepare(
    owner_conninfo: str,
    app_conninfo: str,
    *,
    restaurants: int = 1,
    client_keys: int = 0,
    client_role: Role = Role.HOST,
    hold_ttl_seconds: int = 20,
) -> Stage:
    """Create the restaurants (each with its floor and keys) in a migrated database."""
    stage = Stage(owner_conninfo, app_conninfo, [])
    with stage.database() as db:
        for number in range(restaurants):
            floor = parse_floorplan(floor_text(f"Stage {number + 1}", hold_ttl_seconds))
            rid = import_floorplan(db, floor)
            keys = {
                role: create_key(db, rid, role, f"stage {role.value}").plaintext for role in Role
            }
            clients = [
                create_key(db, rid, client_role, f"client {n}").plaintext
                for n in range(client_keys)
            ]
            stage.restaurants.append(Restaurant(rid, keys, clients))
    return stage


@dataclass
class Processes:
    """The server's base URL and the worker, which a nemesis may kill and restart."""

    base_url: str
    worker: WorkerProcess | None


@contextmanager
def running(
    stage: Stage,
    logs: Path | None = None,
    *,
    pool_size: int = 8,
    worker: bool = True,
    sweep_interval_seconds: float = 0.5,
) -> Iterator[Processes]:
    """`maitred serve` (and `maitred worker`) over the stage's database until the block ends."""
    with ExitStack() as stack:
        server_log: IO[bytes] | None = None
        worker_log: IO[bytes] | None = None
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
            server_log = stack.enter_context((logs / "server.log").open("wb"))
            worker_log = stack.enter_context((logs / "worker.log").open("wb"))
        base = stack.enter_context(
            serve_process(stage.owner_conninfo, pool_size=pool_size, log=server_log)
        )
        process = None
        if worker:
            settings = {
                "sweep_interval_seconds": str(sweep_interval_seconds),
                "relay_poll_seconds": "1",
            }
            process = stack.enter_context(WorkerProcess(stage.owner_conninfo, settings, worker_log))
        yield Processes(base, process)
