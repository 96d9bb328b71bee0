"""Who is acting: an API key's principal, a host at the stand, the command line."""

from __future__ import annotations

from dataclasses import dataclass

from maitred.domain.api_keys import Role

OVERRIDING_ROLES = frozenset({Role.OWNER, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class Actor:
    """`id` names the actor in holds, rate limits and the audit (`key:<id>`, `cli`)."""

    id: str
    role: Role

    @property
    def may_override(self) -> bool:
        """Managers and owners may override the soft seating rules, with a reason."""
        return self.role in OVERRIDING_ROLES


CLI_ACTOR = Actor("cli", Role.OWNER)
