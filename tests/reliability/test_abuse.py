"""Hold abuse at CI size: one key floods holds while four others book normally
(maitred.reliability.abuse); and the defect the scenario found, pinned down."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from maitred.domain.actors import Actor
from maitred.domain.api_keys import Role
from maitred.domain.errors import RateLimited
from maitred.reliability import abuse
from maitred.reliability.stage import prepare
from maitred.services import holds
from support.lifecycle import book, expire_holds

MUST_BE_ZERO = (
    "polls_over_live_cap",
    "bookings_over_per_booking_cap",
    "429s_without_retry_after",
    "server_errors",
)


def test_one_key_flooding_holds_stays_within_its_caps_and_others_are_served(
    test_db: Any, tmp_path: Path, capsys: Any
) -> None:
    plan = abuse.Plan.ci()
    stage = prepare(
        test_db.owner_conninfo, test_db.app_conninfo, client_keys=plan.keys, client_role=Role.ONLINE
    )
    figures = abuse.run(stage, plan, tmp_path)
    with capsys.disabled():
        print(f"\nabuse: {json.dumps(figures, default=str)}")
    assert {name: figures[name] for name in MUST_BE_ZERO} == dict.fromkeys(MUST_BE_ZERO, 0)
    assert figures["others_success_rate"] >= 0.99
    assert figures["valid"]
    # The limits were really reached, so the checks above could have failed.
    assert figures["abuser_429s_by_limit"].get("max_live_holds", 0) > 0
    assert figures["abuser_429s_by_limit"].get("per_booking", 0) > 0
    assert figures["max_live_holds_seen"] == figures["max_live_holds_cap"]
    assert figures["max_holds_per_booking_in_window"] == figures["per_booking_cap"]
    assert figures["others_requests"] > 100


def test_an_expired_hold_not_yet_swept_makes_no_room_under_the_cap(test_db: Any) -> None:
    """What the scenario caught: re-holding a booking whose hold had run out, but was not yet
    swept, counted that dead hold as the one being replaced and let the key pass its cap."""
    stage = prepare(test_db.owner_conninfo, test_db.app_conninfo)
    rid, db = stage.restaurants[0].id, test_db.db
    with test_db.owner() as conn:
        conn.execute(
            "UPDATE policies SET document = document || %s::jsonb",
            ['{"hold_rate_limit": {"max_live_holds": 1}}'],
        )
    actor = Actor("key:abuser", Role.ONLINE)
    # Two sittings apart, so the second hold does not clear the first one's table on its way.
    lapsed, other = book(db, rid, 2, time(17, 30)), book(db, rid, 2, time(20, 0))
    holds.quote_and_hold(db, rid, lapsed, actor, {})
    expire_holds(test_db)
    assert holds.quote_and_hold(db, rid, other, actor, {})["hold"] is not None
    with pytest.raises(RateLimited) as caught:
        holds.quote_and_hold(db, rid, lapsed, actor, {})
    assert caught.value.details["limit"] == "max_live_holds"
    with test_db.owner() as conn:
        live = conn.execute(
            "SELECT count(*) FROM holds WHERE actor = %s AND expires_at > now()", [actor.id]
        ).fetchone()
    assert live == (1,)
