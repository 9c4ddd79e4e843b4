"""A call's evaluation panel, appointed by its programme manager: the evaluators
assignment draws from, and the minimum of distinct nationalities per
application. Its events are the stream `call-panel-{call_id}`."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime

from services.applications.events import CallPanelAppointed
from shared.aggregate import Aggregate
from shared.errors import InvalidInput
from shared.events import Event


class PanelInvalid(InvalidInput):
    def __init__(self, detail: str, code: str, field: str, **extra: object) -> None:
        super().__init__(
            detail, errors=[{"loc": ["body", field], "msg": detail, "type": code}], **extra
        )
        self.code = code


class CallPanel(Aggregate):
    stream_type = "call_panel"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.call_id = stream_id.removeprefix("call-panel-")
        self.evaluator_ids: tuple[str, ...] = ()
        self.min_distinct_nationalities = 0

    @staticmethod
    def stream_of(call_id: str) -> str:
        return f"call-panel-{call_id}"

    @functools.singledispatchmethod
    def apply(self, event: Event) -> None:
        super().apply(event)

    @apply.register
    def _appointed(self, event: CallPanelAppointed) -> None:
        self.evaluator_ids = event.evaluator_ids
        self.min_distinct_nationalities = event.min_distinct_nationalities

    def appoint(
        self,
        evaluator_ids: tuple[str, ...],
        nationalities: Mapping[str, str | None],
        min_distinct_nationalities: int,
        evaluators_per_application: int,
        now: datetime,
    ) -> None:
        """Appoint (or re-appoint) the panel; `nationalities` has every known
        evaluator among `evaluator_ids`. 422 naming what cannot work."""
        unknown = [i for i in evaluator_ids if i not in nationalities]
        if unknown:
            raise PanelInvalid(
                f"no evaluator {', '.join(unknown)}",
                "unknown_evaluator",
                "evaluator_ids",
                evaluator_ids=unknown,
            )
        if min_distinct_nationalities > evaluators_per_application:
            raise PanelInvalid(
                f"{min_distinct_nationalities} distinct nationalities cannot be met by the "
                f"call's {evaluators_per_application} evaluators per application",
                "nationality_constraint",
                "min_distinct_nationalities",
                constraint="min_distinct_nationalities",
            )
        found = {nationalities[i] for i in evaluator_ids} - {None}
        if len(found) < min_distinct_nationalities:
            raise PanelInvalid(
                f"the panel's evaluators have {len(found)} nationalities, fewer than the "
                f"{min_distinct_nationalities} asked for",
                "nationality_constraint",
                "min_distinct_nationalities",
                constraint="min_distinct_nationalities",
            )
        self.record(
            CallPanelAppointed(
                call_id=self.call_id,
                evaluator_ids=evaluator_ids,
                min_distinct_nationalities=min_distinct_nationalities,
                appointed_at=now,
            )
        )
