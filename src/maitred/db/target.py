"""Which server and database to use, and as which role."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from maitred.db.embedded import embedded_server_uri, ensure_database
from maitred.settings import APP_ROLE, WORKER_ROLE, Settings


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """The owner connection (migrations) and the application connection (everything else)."""

    owner_conninfo: str
    app_conninfo: str
    embedded: bool

    @property
    def database_name(self) -> str:
        return str(conninfo_to_dict(self.owner_conninfo).get("dbname", ""))


def _as_role(owner_conninfo: str, role: str, password: str) -> str:
    return make_conninfo(owner_conninfo, user=role, password=password)


def app_conninfo_for(owner_conninfo: str, settings: Settings) -> str:
    """The owner's address with the application role as the user."""
    if settings.app_database_url:
        return settings.app_database_url
    password = settings.app_password.get_secret_value() if settings.app_password else ""
    return _as_role(owner_conninfo, APP_ROLE, password)


def worker_conninfo_for(owner_conninfo: str, settings: Settings) -> str:
    """The owner's address with the worker role as the user."""
    if settings.worker_database_url:
        return settings.worker_database_url
    password = settings.worker_password.get_secret_value() if settings.worker_password else ""
    return _as_role(owner_conninfo, WORKER_ROLE, password)


def resolve_target(settings: Settings) -> DatabaseTarget:
    """The configured server, or the embedded one (started on demand) with its database."""
    if settings.database_url:
        owner = settings.database_url
        return DatabaseTarget(owner, app_conninfo_for(owner, settings), embedded=False)
    server = embedded_server_uri(settings.data_dir)
    ensure_database(server, settings.database_name)
    owner = make_conninfo(server, dbname=settings.database_name)
    return DatabaseTarget(owner, app_conninfo_for(owner, settings), embedded=True)


def with_database(conninfo: str, dbname: str) -> str:
    """The same server and user, another database."""
    return make_conninfo(conninfo, dbname=dbname)
