"""Every amount and every instant that a command or an event carries is of the one
strict money type and the one instant type: no string, boolean or float passes
for cents, and no instant outside the calendar once in UTC passes at all."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from shared.values import JsonDocument

MODULES = [
    f"services.{service}.{module}"
    for service in ("calls", "applications", "payments")
    for module in ("commands", "events")
]


def fields(suffix: str) -> Iterator[tuple[str, Any]]:
    for name in MODULES:
        for model in vars(importlib.import_module(name)).values():
            if inspect.isclass(model) and issubclass(model, BaseModel):
                for field_name, field in model.model_fields.items():
                    if field_name.endswith(suffix):
                        yield (
                            f"{model.__name__}.{field_name}",
                            TypeAdapter(Annotated[field.annotation, field]),
                        )


MONEY = list(fields("_cents"))
INSTANTS = list(fields("_at"))


def test_there_are_amounts_and_instants_to_check() -> None:
    assert len(MONEY) > 30
    assert len(INSTANTS) > 30


@pytest.mark.parametrize(("name", "adapter"), MONEY, ids=[n for n, _ in MONEY])
def test_an_amount_is_an_integer_of_cents_and_nothing_like_one(
    name: str, adapter: TypeAdapter[Any]
) -> None:
    assert adapter.validate_json("1000") == 1000
    for loose in ('"100"', "true", "1e3", "1000.0"):
        with pytest.raises(ValidationError):
            adapter.validate_json(loose)


@pytest.mark.parametrize(("name", "adapter"), INSTANTS, ids=[n for n, _ in INSTANTS])
def test_an_instant_at_the_calendars_edge_is_refused(name: str, adapter: TypeAdapter[Any]) -> None:
    assert adapter.validate_json('"2026-03-02T10:00:00+01:00"').utcoffset().total_seconds() == 0
    for edge in ('"0001-01-01T00:00:00+14:00"', '"9999-12-31T23:59:59-12:00"'):
        with pytest.raises(ValidationError):
            adapter.validate_json(edge)


def test_a_json_document_keeps_integral_numbers_as_integers_and_refuses_nan() -> None:
    document = TypeAdapter(JsonDocument)
    assert document.validate_python({"a": [1e20, 1.0, 0.5], "b": {"c": 2}}) == {
        "a": [10**20, 1, 0.5],
        "b": {"c": 2},
    }
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValidationError):
            document.validate_python({"a": {"b": [bad]}})
    deep: dict[str, object] = {}
    for _ in range(2_000):
        deep = {"a": deep}
    with pytest.raises(ValidationError):
        document.validate_python(deep)
