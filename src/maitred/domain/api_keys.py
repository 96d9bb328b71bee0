"""API keys: random secrets shown once; only their SHA-256 is stored.

A key carries 256 bits of randomness, so a fast hash is enough: no one can search the key
space, and a slow password hash would only slow every request down.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

KEY_PREFIX = "mtd_"


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    HOST = "host"
    ONLINE = "online"


@dataclass(frozen=True, slots=True)
class NewKey:
    plaintext: str
    key_hash: str
    prefix: str


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def generate_key() -> NewKey:
    """A fresh key; its prefix (first characters) identifies it in listings."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    return NewKey(plaintext, hash_key(plaintext), plaintext[: len(KEY_PREFIX) + 6])
