"""A call's ranking as published versions: version 1 as selected, one more for
each re-evaluation that changes an outcome; a version is never rewritten. Its
events are the stream `call-ranking-{call_id}`. No I/O."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from services.applications.events import (
    CallSelectionCompleted,
    RankingEntry,
    RankingVersionRecorded,
)
from shared.aggregate import Aggregate
from shared.events import Event


class CallRanking(Aggregate):
    stream_type = "call_ranking"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.call_id = stream_id.removeprefix("call-ranking-")
        self.versions: dict[int, RankingVersionRecorded] = {}

    @staticmethod
    def stream_of(call_id: str) -> str:
        return f"call-ranking-{call_id}"

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _version(self, event: RankingVersionRecorded) -> None:
        self.versions[event.version] = event

    @apply.register
    def _completed(self, event: CallSelectionCompleted) -> None:
        pass

    @property
    def current(self) -> int:
        return max(self.versions, default=0)

    def record_version(
        self, entries: Sequence[RankingEntry], now: datetime, review_request_id: str | None = None
    ) -> int:
        version = self.current + 1
        self.record(
            RankingVersionRecorded(
                call_id=self.call_id,
                version=version,
                cause="selection" if review_request_id is None else "re_evaluation",
                review_request_id=review_request_id,
                application_ids=tuple(e.application_id for e in entries),
                entries=tuple(entries),
                recorded_at=now,
            )
        )
        return version

    def complete_selection(
        self, entries: Sequence[RankingEntry], committed_cents: int, now: datetime
    ) -> None:
        """The first version, and the fact that selection is done."""
        version = self.record_version(entries, now)
        self.record(
            CallSelectionCompleted(
                call_id=self.call_id,
                ranking_version=version,
                selected=sum(e.status == "selected" for e in entries),
                reserved=sum(e.status == "reserve" for e in entries),
                rejected=sum(e.status == "rejected" for e in entries),
                committed_cents=committed_cents,
                completed_at=now,
            )
        )
