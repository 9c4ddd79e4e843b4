"""The file store's PostgreSQL backend: each file once, by its SHA-256, its bytes
in chunks (shared/file_store_postgres.py).

Revision ID: chassis_0003
Revises: chassis_0002
"""

from alembic import op

revision = "chassis_0003"
down_revision = "chassis_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE files (
        sha256      text PRIMARY KEY,
        size        bigint NOT NULL CONSTRAINT files_size_check CHECK (size > 0),
        -- The id the upload wrote its chunks under, before their hash was known.
        chunks_id   uuid NOT NULL CONSTRAINT files_chunks_id_key UNIQUE,
        stored_at   timestamptz NOT NULL DEFAULT now()
    )""")
    op.execute("""
    CREATE TABLE file_chunks (
        chunks_id   uuid NOT NULL,
        sequence    integer NOT NULL,
        data        bytea NOT NULL,
        CONSTRAINT file_chunks_pkey PRIMARY KEY (chunks_id, sequence)
    )""")


def downgrade() -> None:
    op.execute("DROP TABLE file_chunks")
    op.execute("DROP TABLE files")
