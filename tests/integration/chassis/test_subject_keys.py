"""The subject key store and the sealing of personal fields against real PostgreSQL:
keys made once per subject and stored wrapped, events stored sealed and loaded
opened, erasure, and master key rotation."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from cascade.cli.main import app as cli
from shared.db import make_engine
from shared.events import Actor
from shared.eventstore import CommandContext, EventStore
from shared.integrity import event_hash
from shared.keystore import SubjectKeyStore
from shared.kms import MasterKeyRing, UnknownMasterKey
from shared.personal import ERASED
from tests.conftest import MakeDatabase
from tests.support.events import Remarked

KEY = b"test-integrity-key"
OLD = "an-old-master-key-of-enough-length-0123456789"
NEW = "a-new-master-key-of-enough-length-01234567890"
AUTHOR = CommandContext(Actor(sub="author", roles=("evaluator",)))


def remark(n: int = 1) -> Remarked:
    return Remarked(about="ada", name="Ada Lovelace", remark="a careful reviewer", n=n)


async def test_a_subject_gets_one_key_stored_wrapped(engine: AsyncEngine) -> None:
    keys = SubjectKeyStore(MasterKeyRing(NEW))
    async with engine.begin() as conn:
        first = await keys.keys_for(conn, {"ada", "bob"})
    async with engine.begin() as conn:
        again = await SubjectKeyStore(MasterKeyRing(NEW)).keys_for(conn, {"ada"})
        stored = (await conn.execute(text("SELECT wrapped_key FROM subject_keys"))).scalars()
        wrapped = list(stored)
    assert again["ada"] == first["ada"]
    assert first["ada"].key != first["bob"].key
    assert len(wrapped) == 2
    assert all(first["ada"].key not in w and first["bob"].key not in w for w in wrapped)


async def test_two_writers_making_a_subjects_first_key_agree_on_it(engine: AsyncEngine) -> None:
    async def make() -> bytes:
        async with engine.begin() as conn:
            return (await SubjectKeyStore(MasterKeyRing(NEW)).keys_for(conn, {"cy"}))["cy"].key

    first, second = await asyncio.gather(make(), make())
    assert first == second


async def test_personal_fields_are_stored_sealed_and_loaded_opened(engine: AsyncEngine) -> None:
    store = EventStore(KEY, keys=SubjectKeyStore(MasterKeyRing(NEW)))
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="remarks",
            stream_id="r-1",
            expected_version=0,
            new_events=[remark(1), remark(2)],
            context=AUTHOR,
        )
    async with engine.connect() as conn:
        stored = await store.load(conn, "r-1")
        opened = await store.reveal(conn, stored)
        raw = "".join((await conn.execute(text("SELECT payload::text FROM events"))).scalars())
    assert "Ada Lovelace" not in raw
    assert "careful" not in raw
    assert [e.payload["name"] for e in opened] == ["Ada Lovelace"] * 2
    assert [e.payload["remark"] for e in opened] == ["a careful reviewer"] * 2
    assert opened[0].payload["about"] == "ada"
    assert stored[0].payload["n"] == 1
    assert all(event_hash(KEY, e.prev_hash, e.model_dump()) == e.hash for e in stored)


async def test_an_erased_subjects_fields_read_as_erased_and_the_others_open(
    engine: AsyncEngine,
) -> None:
    keys = SubjectKeyStore(MasterKeyRing(NEW))
    store = EventStore(KEY, keys=keys)
    async with engine.begin() as conn:
        await store.append(
            conn,
            stream_type="remarks",
            stream_id="r-2",
            expected_version=0,
            new_events=[remark()],
            context=AUTHOR,
        )
    async with engine.begin() as conn:
        assert len(await keys.erase(conn, "ada")) == 1
        assert await keys.erase(conn, "ada") == []
    # Another process, with the key still in its memory, honours the erasure too.
    async with engine.connect() as conn:
        [e] = await store.reveal(conn, await store.load(conn, "r-2"))
    assert (e.payload["name"], e.payload["remark"]) == (ERASED, "a careful reviewer")


async def test_a_rotated_master_key_still_unwraps_the_keys_of_the_old_one(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        old = await SubjectKeyStore(MasterKeyRing(OLD)).keys_for(conn, {"dee"})
    rotated = SubjectKeyStore(MasterKeyRing(NEW, [OLD]))
    async with engine.begin() as conn:
        assert (await rotated.lookup(conn, {old["dee"].key_id}))[old["dee"].key_id] == old[
            "dee"
        ].key
        await rotated.keys_for(conn, {"eli"})
        wrapped_by = dict(
            (await conn.execute(text("SELECT subject, master_key_id FROM subject_keys"))).all()
        )
    assert wrapped_by["eli"] == MasterKeyRing(NEW).current_id != wrapped_by["dee"]
    async with engine.connect() as conn:
        with pytest.raises(UnknownMasterKey):
            await SubjectKeyStore(MasterKeyRing(NEW)).lookup(conn, {old["dee"].key_id})


async def test_after_a_rewrap_the_retired_master_key_is_no_longer_needed(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        old = await SubjectKeyStore(MasterKeyRing(OLD)).keys_for(conn, {"fay", "gus"})
    rotated = SubjectKeyStore(MasterKeyRing(NEW, [OLD]))
    async with engine.begin() as conn:
        assert await rotated.rewrap(conn, MasterKeyRing(NEW).current_id, batch=1) == 1
        assert await rotated.rewrap(conn, MasterKeyRing(NEW).current_id) == 1
        assert await rotated.rewrap(conn, MasterKeyRing(NEW).current_id) == 0
    ids = {k.key_id: k.key for k in old.values()}
    async with engine.connect() as conn:
        assert await SubjectKeyStore(MasterKeyRing(NEW)).lookup(conn, set(ids)) == ids


async def test_cascade_keys_rewrap_moves_a_services_keys_to_the_current_master_key(
    service_database: MakeDatabase,
) -> None:
    url = await service_database("calls")
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            old = await SubjectKeyStore(MasterKeyRing(OLD)).keys_for(conn, {"hal"})
        env = {
            "CASCADE_CALLS_DATABASE_URL": url,
            "CASCADE_MASTER_KEY": NEW,
            "CASCADE_RETIRED_MASTER_KEYS": OLD,
        }
        args = ["keys", "rewrap", "--service", "calls"]
        answer = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
        assert answer.exit_code == 0, answer.output
        assert "calls: 1 key(s) rewrapped" in answer.output
        async with engine.connect() as conn:
            found = await SubjectKeyStore(MasterKeyRing(NEW)).lookup(conn, {old["hal"].key_id})
        assert found == {old["hal"].key_id: old["hal"].key}
        unknown = CliRunner().invoke(cli, ["keys", "rewrap", "--service", "ledger"], env=env)
        assert unknown.exit_code == 1
        assert "unknown service(s) ledger" in unknown.output
    finally:
        await engine.dispose()
