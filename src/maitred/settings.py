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
    app_password: SecretStr | None = Field(
        default=None, description=f"Password of the {APP_ROLE} role, when the server wants one."
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

    def policy_defaults(self) -> dict[str, Any]:
        """The defaults as a policy document, overlaid by each restaurant's own policy."""
        return self.policy.model_dump(mode="json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
