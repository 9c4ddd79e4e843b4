"""The cross-check and the chain, on envelopes made by hand: each difference named."""

from __future__ import annotations

from services.calls.events import CallPublished
from services.reporting.verify import chain_differences, cross_check, in_flight
from tests.support.calls import DAY, T0
from tests.support.reporting_events import KEY, chain


def published(n: int) -> list[CallPublished]:
    return [CallPublished(call_id="c-1", published_at=T0 + i * DAY) for i in range(n)]


def test_identical_copies_have_no_difference() -> None:
    history = chain("c-1", [(e, T0) for e in published(3)])
    assert cross_check("calls", history, list(history)) == []
    assert chain_differences(KEY, "calls", "source", history) == []


def test_the_newest_event_gone_from_the_source_is_named() -> None:
    history = chain("c-1", [(e, T0) for e in published(3)])
    [gone] = cross_check("calls", history, history[:2])
    assert (gone.kind, gone.stream_id, gone.version, gone.event_id) == (
        "removed_at_source", "c-1", 3, str(history[2].id))
    assert chain_differences(KEY, "calls", "source", history[:2]) == []  # the chain alone is blind


def test_an_edited_event_is_named_with_the_fields_that_changed() -> None:
    history = chain("c-1", [(e, T0) for e in published(2)])
    edited = history[1].model_copy(update={"payload": {"call_id": "c-1", "published_at": "x"}})
    [changed] = cross_check("calls", history, [history[0], edited])
    assert (changed.kind, changed.version) == ("changed_at_source", 2)
    assert "payload" in changed.detail
    [broken] = chain_differences(KEY, "calls", "source", [history[0], edited])
    assert (broken.kind, broken.version, broken.found_in) == ("altered", 2, "source")


def test_an_event_only_the_source_holds_is_named() -> None:
    history = chain("c-1", [(e, T0) for e in published(2)])
    [extra] = cross_check("calls", history[:1], history)
    assert (extra.kind, extra.version, extra.found_in) == ("not_received", 2, "cross_check")


def test_an_event_recorded_after_everything_received_is_on_its_way_not_a_difference() -> None:
    history = chain("c-1", [(e, T0 + i * DAY) for i, e in enumerate(published(3))])
    assert cross_check("calls", history[:2], history) == []
    assert in_flight(history[:2], history) == 1


def test_a_history_chained_with_another_key_is_altered_throughout() -> None:
    forged = chain("c-1", [(e, T0) for e in published(2)], key=b"not-the-key")
    assert [(d.kind, d.version) for d in chain_differences(KEY, "calls", "source", forged)] == [
        ("altered", 1), ("altered", 2)]
