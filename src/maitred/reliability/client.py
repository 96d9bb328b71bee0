"""An HTTP client that writes every call into a history, classified as Jepsen would."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from maitred.reliability.history import History, Outcome

# The confirm refusals stored under an idempotency key and replayed (maitred.services.confirm),
# and the refusal of a key reused for another request. Anything else says nothing about the key.
DEFINITE_CONFIRM_CODES = frozenset(
    {
        "HOLD_NOT_FOUND",
        "HOLD_EXPIRED",
        "HOLD_BOOKING_MISMATCH",
        "POLICY_DRIFT",
        "STALE_CONTEXT",
        "BOOKING_NOT_ASSIGNABLE",
    }
)


def body_digest(body: Any) -> str:
    """A digest of a JSON body that does not depend on key order."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Reply:
    """What the client saw: a status and body, or no answer at all (status None)."""

    outcome: Outcome
    status: int | None
    body: Any
    error: str | None = None

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("code"), str):
            return str(self.body["code"])
        return None


def classify(status: int) -> Outcome:
    """2xx took effect; 4xx definitely did not; a 5xx may or may not have (a commit can be lost
    with its connection after it happened)."""
    if status < 400:
        return "ok"
    return "fail" if status < 500 else "info"


class RecordingClient:
    """One client process of a scenario: every call is an invoke and a completion."""

    def __init__(
        self, base_url: str, key: str, history: History, process: int | str, timeout: float = 30
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=timeout
        )
        self.history = history
        self.process = process
        self.next_timeout: float | None = None  # set by the nemesis: the next call times out
        self.calls = 0

    def close(self) -> None:
        self.http.close()

    def call(
        self,
        f: str,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        value: dict[str, Any] | None = None,
        keep_body: bool = False,
        summary: Callable[[Any], dict[str, Any]] | None = None,
    ) -> Reply:
        """Send one request and record it; `keep_body` records the whole response body,
        `summary` what it returns from a successful body."""
        self.calls += 1
        op = self.history.invoke(self.process, f, value)
        timeout, self.next_timeout = self.next_timeout, None
        try:
            response = self.http.request(
                method,
                path,
                json=json_body,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            reply = Reply("info", None, None, type(exc).__name__)
            self.history.complete(op, "info", {**(value or {}), "error": reply.error})
            return reply
        body = response.json() if response.content else None
        reply = Reply(classify(response.status_code), response.status_code, body)
        completion: dict[str, Any] = {**(value or {}), "status": response.status_code}
        if reply.code:
            completion["code"] = reply.code
        if response.status_code == 429:
            completion["retry_after"] = response.headers.get("Retry-After")
        if summary is not None and reply.outcome == "ok":
            completion |= summary(body)
        if keep_body:
            completion["body"] = body
            completion["digest"] = body_digest(body)
        self.history.complete(op, reply.outcome, completion)
        return reply
