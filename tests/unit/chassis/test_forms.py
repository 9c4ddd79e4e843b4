"""Form schemas checked, answers validated by JSON pointer, personal answers found."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from shared.forms import (
    MAX_SCHEMA_BYTES,
    answer_problems,
    check_schema,
    join_personal,
    personal_pointers,
    split_personal,
)
from tests.support.forms import FORM_SCHEMA, answers


def kinds(schema: Any) -> list[tuple[str, str]]:
    return [(p.pointer, p.kind) for p in check_schema(schema)]


def test_the_sample_form_is_a_valid_form() -> None:
    assert check_schema(FORM_SCHEMA) == []


def test_an_unknown_keyword_is_named_by_its_pointer_even_deep_inside() -> None:
    schema = copy.deepcopy(FORM_SCHEMA)
    schema["properties"]["impact"]["maxLenght"] = 10
    schema["$defs"]["budget_line"]["properties"]["amount_cents"]["x-currency"] = "EUR"
    assert kinds(schema) == [
        ("/$defs/budget_line/properties/amount_cents/x-currency", "unknown_keyword"),
        ("/properties/impact/maxLenght", "unknown_keyword"),
    ]


def test_a_property_named_like_a_keyword_is_no_keyword() -> None:
    schema = {"type": "object", "properties": {"maxLenght": {"type": "string"}}}
    assert check_schema(schema) == []


def test_a_remote_ref_is_refused_and_a_local_one_must_lead_somewhere() -> None:
    remote = {"type": "object", "properties": {"a": {"$ref": "https://example.org/s.json"}}}
    assert kinds(remote) == [("/properties/a/$ref", "remote_ref")]
    relative = {"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}}
    assert kinds(relative) == [("/properties/a/$ref", "remote_ref")]
    dangling = {"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}
    assert kinds(dangling) == [("/properties/a/$ref", "unresolved_ref")]


def test_a_schema_that_is_not_json_schema_is_refused_where_it_is_wrong() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "text"}, "b": {"minLength": -1}}}
    assert kinds(schema) == [
        ("/properties/a/type", "invalid"),
        ("/properties/b/minLength", "invalid"),
    ]


def test_a_form_describes_an_object() -> None:
    assert kinds({"type": "array"}) == [("/type", "not_object")]
    assert kinds([1, 2]) == [("/type", "not_object")]


def test_a_schema_over_256_kib_is_refused_before_anything_else() -> None:
    big = {"type": "object", "description": "x" * MAX_SCHEMA_BYTES, "maxLenght": 1}
    assert kinds(big) == [("", "too_large")]


def test_x_personal_is_refused_inside_a_choice_and_when_not_a_boolean() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"anyOf": [{"type": "string", "x-personal": True}, {"type": "null"}]},
            "b": {"type": "string", "x-personal": "yes"},
        },
    }
    assert kinds(schema) == [
        ("/properties/a/anyOf/0/x-personal", "personal_misplaced"),
        ("/properties/b/x-personal", "invalid"),
    ]


def test_an_id_and_another_dialect_are_refused() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://x",
        "type": "object",
    }
    assert kinds(schema) == [("/$id", "id_not_allowed"), ("/$schema", "invalid")]


def test_complete_answers_pass_and_each_failing_one_is_named() -> None:
    assert answer_problems(FORM_SCHEMA, answers()) == []
    wrong = answers(impact="short", contact_email="not an address")
    del wrong["work_plan"]
    wrong["budget"][1]["amount_cents"] = "5000"
    wrong["team"][0]["role"] = "boss"
    found = [(p.pointer, p.kind) for p in answer_problems(FORM_SCHEMA, wrong)]
    assert found == [
        ("/budget/1/amount_cents", "type"),
        ("/contact_email", "format"),
        ("/impact", "minLength"),
        ("/team/0/role", "enum"),
        ("/work_plan", "required"),
    ]


@pytest.mark.parametrize("pointer", ["/a~1b", "/c~0d"])
def test_pointers_escape_slashes_and_tildes(pointer: str) -> None:
    schema = {"type": "object", "required": ["a/b", "c~d"]}
    assert pointer in [p.pointer for p in answer_problems(schema, {})]


def test_personal_answers_are_found_through_items_and_refs() -> None:
    schema = copy.deepcopy(FORM_SCHEMA)
    schema["$defs"]["budget_line"]["properties"]["category"]["x-personal"] = True
    found = personal_pointers(schema, answers())
    assert sorted(found) == [
        "/budget/0/category",
        "/budget/1/category",
        "/contact_email",
        "/team/0/name",
        "/team/1/name",
    ]


def test_the_personal_answers_split_off_and_join_back_whole() -> None:
    given = answers()
    rest, personal = split_personal(FORM_SCHEMA, given)
    assert personal == {
        "/team/0/name": "Ada Lovelace",
        "/team/1/name": "Tim Berners",
        "/contact_email": "ada@aerotech.example",
    }
    assert "contact_email" not in rest
    assert rest["team"] == [{"role": "lead"}, {"role": "other"}]
    assert join_personal(rest, personal) == given


def test_a_personal_array_item_leaves_its_place() -> None:
    schema = {"type": "object", "properties": {"names": {"items": {"x-personal": True}}}}
    rest, personal = split_personal(schema, {"names": ["a", "b"]})
    assert rest == {"names": [None, None]}
    assert join_personal(rest, personal) == {"names": ["a", "b"]}


def test_a_wholly_personal_form_keeps_nothing_outside_the_personal_part() -> None:
    schema = {"type": "object", "x-personal": True}
    rest, personal = split_personal(schema, {"a": 1})
    assert (rest, personal) == ({}, {"": {"a": 1}})
    assert join_personal(rest, personal) == {"a": 1}


def test_a_ref_loop_ends() -> None:
    schema = {"type": "object", "properties": {"self": {"$ref": "#"}}}
    assert personal_pointers(schema, {"self": {"self": {}}}) == []


def test_a_schema_nested_too_deep_is_refused_before_it_is_walked() -> None:
    schema: dict[str, Any] = {"type": "object"}
    node = schema
    for _ in range(2_000):  # deeper than Python's recursion would go
        node["not"] = {}
        node = node["not"]
    assert kinds(schema) == [("", "too_deep")]
