"""Apply a service's migrations (the chassis revisions and its own) to its database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

import shared
from cascade.services import NAMES, definitions
from shared.db import ensure_database, sqlalchemy_url

CHASSIS_MIGRATIONS = Path(shared.__file__).parent / "migrations"


def own_migrations(service: str) -> Path | None:
    """A service's own revisions; None for the databases of tools and tests."""
    return definitions()[service].migrations if service in NAMES else None


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(CHASSIS_MIGRATIONS))
    locations = [CHASSIS_MIGRATIONS / "versions"]
    own = own_migrations(service)
    if own is not None and own.is_dir():
        locations.append(own)
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    # `%` would be read as interpolation by configparser.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


async def migrate(service: str, url: str) -> None:
    """Create the service's database if needed and bring it to the newest schema."""
    await ensure_database(url)
    # Alembic's env runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(service, url), "heads")
