"""Settings from the environment (prefix `MAITRED_`), with the global policy defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from maitred.domain.policy import AdjacencyMode, HoldRateLimit

APP_ROLE = "maitred_app"
WORKER_ROLE = "maitred_worker"


class PolicyDefaults(BaseModel):
    """Defaults every restaurant's policy starts from (`MAITRED_POLICY__BUFFER_MINUTES=10`)."""

    model_config = ConfigDict(frozen=True)

    buffer_minutes: int = Field(default=0, ge=0)
    max_tables_per_combination: int = Field(default=3, ge=1, le=6)
    adjacency_mode: AdjacencyMode = AdjacencyMode.CONNECTED
    slack_budget: int = Field(default=4, ge=0)
    hold_ttl_seconds: int = Field(default=180, ge=1)
    hold_ttl_min_seconds: int = Field(default=60, ge=1)
    hold_ttl_max_seconds: int = Field(default=900, ge=1)
    hold_rate_limit: HoldRateLimit = HoldRateLimit()


class WorkerSettings(BaseModel):
    """The background jobs (`MAITRED_WORKER__SWEEP_INTERVAL_SECONDS=2`); each can be switched
    off, and producers keep writing the outbox when the relay is off."""

    model_config = ConfigDict(frozen=True)

    sweep_holds: bool = True
    relay_outbox: bool = True
    archive_allocations: bool = True
    purge: bool = True
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    relay_poll_seconds: float = Field(default=2.0, gt=0)
    archive_interval_seconds: float = Field(default=600.0, gt=0)
    purge_interval_seconds: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=500, ge=1, le=100_000)
    max_attempts: int = Field(default=10, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_cap_seconds: float = Field(default=3600.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    archive_after_days: int = Field(default=30, ge=1)
    archive_pause_seconds: float = Field(default=0.05, ge=0)
    idempotency_retention_hours: int = Field(default=24, ge=1)
    delivered_retention_days: int = Field(default=7, ge=1)
    dead_retention_days: int = Field(default=30, ge=1)


class Settings(BaseSettings):
    """Process settings. Without a database URL, maitred runs its own embedded PostgreSQL."""

    model_config = SettingsConfigDict(
        env_prefix="MAITRED_", env_nested_delimiter="__", extra="ignore"
    )

    database_url: str | None = Field(
        default=None,
        description="Owner connection (runs migrations). Absent: the embedded server.",
    )
    app_database_url: str | None = Field(
        default=None,
        description=f"Application connection. Absent: the owner URL with user {APP_ROLE}.",
    )
    worker_database_url: str | None = Field(
        default=None,
        description=f"Worker connection. Absent: the owner URL with user {WORKER_ROLE}.",
    )
    app_password: SecretStr | None = Field(
        default=None, description=f"Password of the {APP_ROLE} role, when the server wants one."
    )
    worker_password: SecretStr | None = Field(
        default=None, description=f"Password of the {WORKER_ROLE} role, when the server wants one."
    )
    data_dir: Path = Field(
        default_factory=lambda: platformdirs.user_data_path("maitred"),
        description="Where the embedded server keeps its data.",
    )
    database_name: str = Field(default="maitred", description="Database on the embedded server.")
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    pool_min_size: int = Field(default=1, ge=0)
    pool_max_size: int = Field(default=10, ge=1)
    statement_timeout_ms: int = Field(default=5000, ge=0)
    policy: PolicyDefaults = PolicyDefaults()
    worker: WorkerSettings = WorkerSettings()

    def policy_defaults(self) -> dict[str, Any]:
        """The defaults as a policy document, overlaid by each restaurant's own policy."""
        return self.policy.model_dump(mode="json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
