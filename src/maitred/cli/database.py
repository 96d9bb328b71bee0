"""Commands on the database: migrate, venue import/export, bookings import, API keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from maitred.cli.runtime import console, database, fail, out, parse_uuid
from maitred.db import migrate
from maitred.db.embedded import stop_embedded_servers
from maitred.db.target import resolve_target
from maitred.domain.api_keys import Role
from maitred.domain.errors import MaitredError
from maitred.formats.bookings_file import file_format
from maitred.formats.floorplan import dump_floorplan, load_floorplan
from maitred.services import api_keys, bookings, venues
from maitred.settings import get_settings

venue_app = typer.Typer(help="Import and export floor plans.", no_args_is_help=True)
bookings_app = typer.Typer(help="Import bookings.", no_args_is_help=True)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

RestaurantOption = Annotated[str, typer.Option("--restaurant", "-r", help="Restaurant id.")]


def migrate_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to the revision.")] = False,
) -> None:
    """Bring the database schema up to date (or down, with --down)."""
    target = resolve_target(get_settings())
    try:
        if down:
            migrate.downgrade(target.owner_conninfo, revision)
        else:
            migrate.upgrade(target.owner_conninfo, revision)
        current = migrate.current_revision(target.owner_conninfo)
    finally:
        if target.embedded:
            stop_embedded_servers()
    console.print(f"Database [bold]{target.database_name}[/] is at revision {current or 'base'}.")


@venue_app.command("import")
def venue_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML or JSON.")],
) -> None:
    """Create a restaurant from a floor-plan file; prints its id."""
    settings = get_settings()
    try:
        floor = load_floorplan(file, settings.policy_defaults())
        with database() as rt:
            restaurant_id = venues.import_floorplan(rt.db, floor)
    except MaitredError as exc:
        raise fail(exc) from exc
    tables = floor.venue.tables
    console.print(
        f"Imported [bold]{floor.restaurant_name}[/]: {len(floor.venue.zones)} zones, "
        f"{len(tables)} tables, {sum(t.capacity for t in tables)} seats."
    )
    out(str(restaurant_id))


@venue_app.command("export")
def venue_export(
    restaurant: Annotated[str, typer.Argument(help="Restaurant id.")],
    fmt: Annotated[str, typer.Option("--format", help="yaml or json.")] = "yaml",
) -> None:
    """Print a restaurant's floor plan in the import format."""
    if fmt not in ("yaml", "json"):
        raise typer.BadParameter("format must be yaml or json", param_hint="--format")
    restaurant_id = parse_uuid(restaurant)
    try:
        with database() as rt:
            spec = venues.export_floorplan(rt.db, restaurant_id)
    except MaitredError as exc:
        raise fail(exc) from exc
    out(dump_floorplan(spec, "json" if fmt == "json" else "yaml").rstrip("\n"))


@bookings_app.command("import")
def bookings_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON Lines.")],
    restaurant: RestaurantOption,
) -> None:
    """Import a bookings file: all of it, or nothing when any line has a problem."""
    restaurant_id = parse_uuid(restaurant)
    text = file.read_text(encoding="utf-8")
    try:
        with database() as rt:
            summary = bookings.import_bookings(
                rt.db, restaurant_id, text, file_format(file), rt.settings.policy_defaults()
            )
    except MaitredError as exc:
        raise fail(exc) from exc
    console.print(
        f"Imported {summary.bookings} bookings ({summary.covers} covers, {summary.pinned} pinned)."
    )


@keys_app.command("create")
def keys_create(
    restaurant: RestaurantOption,
    role: Annotated[Role, typer.Option("--role", help="owner, manager, host or online.")],
    name: Annotated[str | None, typer.Option("--name", help="What the key is for.")] = None,
) -> None:
    """Create an API key. The key is shown once, alone on the last line."""
    restaurant_id = parse_uuid(restaurant)
    try:
        with database() as rt:
            created = api_keys.create_key(rt.db, restaurant_id, role, name)
    except MaitredError as exc:
        raise fail(exc) from exc
    console.print(f"Created {created.role.value} key {created.key_id}. It is shown only once:")
    out(created.plaintext)


@keys_app.command("list")
def keys_list(restaurant: RestaurantOption) -> None:
    """List a restaurant's keys (never the keys themselves)."""
    restaurant_id = parse_uuid(restaurant)
    try:
        with database() as rt:
            rows = api_keys.list_keys(rt.db, restaurant_id)
    except MaitredError as exc:
        raise fail(exc) from exc
    table = Table("prefix", "role", "name", "created", "revoked")
    table.add_column("key id", no_wrap=True)
    for row in rows:
        table.add_row(
            row["prefix"] + "…",
            row["role"],
            row["name"] or "",
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            f"{row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "",
            str(row["key_id"]),
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    restaurant: RestaurantOption,
    key_id: Annotated[str, typer.Argument(help="The key's id (not the key).")],
) -> None:
    """Revoke a key; requests with it are refused from now on."""
    restaurant_id = parse_uuid(restaurant)
    key_uuid = parse_uuid(key_id, "key")
    try:
        with database() as rt:
            api_keys.revoke_key(rt.db, restaurant_id, key_uuid)
    except MaitredError as exc:
        raise fail(exc) from exc
    console.print(f"Revoked key {key_uuid}.")
