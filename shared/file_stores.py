"""The file store a service uses, as its settings choose (`CASCADE_FILE_STORE`)."""

from __future__ import annotations

from shared.chassis import Chassis
from shared.file_store_directory import DirectoryStore
from shared.file_store_postgres import PostgresStore
from shared.files import FileStore


def file_store(chassis: Chassis) -> FileStore:
    """The service's file store: in its own database, or in a directory."""
    settings = chassis.settings
    if settings.file_store == "directory":
        assert settings.file_store_directory is not None  # Settings refuses it missing
        return DirectoryStore(settings.file_store_directory, chassis.service)
    return PostgresStore(chassis.engine)
