"""The cross-check and the chain, on envelopes made by hand: each difference named."""

from __future__ import annotations

from services.calls.events import CallPublished
from services.reporting.verify_rules import (
    StreamedChain,
    chain_differences,
    changed_at_source,
    link,
    on_its_way,
)
from tests.support.calls import DAY, T0
from tests.support.reporting_events import KEY, chain


def published(n: int) -> list[CallPublished]:
    return [CallPublished(call_id="c-1", published_at=T0 + i * DAY) for i in range(n)]


def test_identical_copies_have_no_difference() -> None:
    history = chain("c-1", [(e, T0) for e in published(3)])
    assert changed_at_source("calls", {e.id: e for e in history}, history) == []
    assert chain_differences(KEY, "calls", "source", history) == []


def test_the_chain_alone_is_blind_to_the_newest_event_removed() -> None:
    history = chain("c-1", [(e, T0) for e in published(3)])
    assert chain_differences(KEY, "calls", "source", history[:2]) == []


def test_an_edited_event_is_named_with_the_fields_that_changed() -> None:
    history = chain("c-1", [(e, T0) for e in published(2)])
    edited = history[1].model_copy(update={"payload": {"call_id": "c-1", "published_at": "x"}})
    [changed] = changed_at_source("calls", {e.id: e for e in history}, [history[0], edited])
    assert (changed.kind, changed.version, changed.event_id) == (
        "changed_at_source",
        2,
        str(edited.id),
    )
    assert "payload" in changed.detail
    [broken] = chain_differences(KEY, "calls", "source", [history[0], edited])
    assert (broken.kind, broken.version, broken.found_in) == ("altered", 2, "source")


def test_an_event_recorded_after_everything_received_is_on_its_way_not_a_difference() -> None:
    history = chain("c-1", [(e, T0 + i * DAY) for i, e in enumerate(published(3))])
    newest_received = history[1].recorded_at
    assert on_its_way(history[2].recorded_at, newest_received)
    assert not on_its_way(history[1].recorded_at, newest_received)
    assert on_its_way(history[0].recorded_at, None)  # nothing received yet


def test_a_history_chained_with_another_key_is_altered_throughout() -> None:
    forged = chain("c-1", [(e, T0) for e in published(2)], key=b"not-the-key")
    assert [(d.kind, d.version) for d in chain_differences(KEY, "calls", "source", forged)] == [
        ("altered", 1),
        ("altered", 2),
    ]


def test_a_chain_taken_in_pieces_finds_what_it_finds_whole() -> None:
    history = chain("c-1", [(e, T0) for e in published(6)])
    history += chain("c-2", [(e, T0) for e in published(4)])
    del history[2]  # c-1 loses version 3
    links = [link(e.model_dump(), KEY) for e in history]
    whole = StreamedChain("calls", "source").take(links)
    pieces = StreamedChain("calls", "source")
    found = [d for start in range(0, len(links), 3) for d in pieces.take(links[start : start + 3])]
    assert found == whole
    assert [(d.kind, d.stream_id, d.version) for d in whole] == [
        ("missing", "c-1", 3),
        ("out_of_order", "c-1", 4),
    ]
