"""The restaurant event stream: one LISTEN per process, fanned out to server-sent-event clients.

A committed outbox event is notified on `maitred_events` (ids and type only). The hub hands it
to the queues of that restaurant's clients, and a `venue.changed` event evicts the restaurant's
cached floors at once (the version check would catch the change anyway; eviction frees memory
and keeps every process's cache honest without waiting for a request).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from typing import Any
from uuid import UUID

import psycopg
import structlog

from maitred.services.floor import floors

CHANNEL = "maitred_events"
log = structlog.get_logger("maitred.events")


class EventHub:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.queues: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]]] = (
            defaultdict(set)
        )
        self.thread = threading.Thread(target=self._listen, name="maitred-events", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def subscribe(self, restaurant_id: UUID) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1000)
        with self.lock:
            self.queues[str(restaurant_id)].add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, restaurant_id: UUID, queue: asyncio.Queue[Any]) -> None:
        with self.lock:
            entries = self.queues[str(restaurant_id)]
            for entry in [e for e in entries if e[1] is queue]:
                entries.discard(entry)

    def publish(self, event: dict[str, Any]) -> None:
        restaurant = str(event.get("restaurant_id"))
        if event.get("event_type") == "venue.changed":
            floors.evict(UUID(restaurant))
        with self.lock:
            targets = list(self.queues.get(restaurant, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

    def _listen(self) -> None:
        while not self.stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self.stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            self.publish(json.loads(note.payload))
            except (psycopg.Error, ValueError) as exc:
                log.warning("listen_failed", error=type(exc).__name__)
                self.stop.wait(1.0)


def _offer(queue: asyncio.Queue[Any], event: dict[str, Any]) -> None:
    """Queue an event for a client; a client too slow to keep 1000 events loses the oldest."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)
