"""Application forms as JSON Schema (draft 2020-12): checking a call's form schema,
validating an application's answers against it, and finding the answers marked
as personal data (`x-personal: true`). The validator is the `jsonschema`
package's; this module only decides what a form may contain and where each
problem is, as a JSON pointer (RFC 6901)."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema_specifications import REGISTRY as SPECIFICATIONS
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from shared.values import deeper_than

if TYPE_CHECKING:  # the package exports the class it returns only from its core module
    from referencing._core import Resolver

MAX_SCHEMA_BYTES = 256 * 1024
# Deeper documents would only exhaust the recursion of whatever reads them.
MAX_SCHEMA_DEPTH = 64
MAX_ANSWER_DEPTH = 32
PERSONAL = "x-personal"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "urn:cascade:form"
_VOCABULARIES = "https://json-schema.org/draft/2020-12/meta/"


@functools.cache
def keywords() -> frozenset[str]:
    """Every keyword of the 2020-12 vocabularies, read from the specification's own
    meta-schemas rather than typed here, and `x-personal`, this project's only one."""
    return frozenset(
        name
        for uri in SPECIFICATIONS
        if uri.startswith(_VOCABULARIES)
        for name in SPECIFICATIONS.contents(uri).get("properties", {})
    ) | {PERSONAL}


# Where subschemas sit (one, a map of them, a list of them) and whether an
# `x-personal` mark below is honoured: it is where the answers follow the schema
# shape for shape (properties, items, $defs reached by $ref), never inside a
# choice or a condition (anyOf, if/then...), where it would apply or not depending
# on the answer, nor in a string's encoded content.
_CHOICES = ("not", "if", "then", "else", "contains", "propertyNames", "contentSchema")
_ONE = {
    "items": True,
    "additionalProperties": True,
    **dict.fromkeys((*_CHOICES, "unevaluatedItems", "unevaluatedProperties"), False),
}
_MAP = {"properties": True, "$defs": True, "patternProperties": False, "dependentSchemas": False}
_LIST = {"prefixItems": True, "allOf": False, "anyOf": False, "oneOf": False}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is (a JSON pointer into the schema or the answers)."""

    pointer: str
    message: str
    kind: str


def pointer_of(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --- the form's schema ----------------------------------------------------------------


def check_schema(schema: Any) -> list[Problem]:
    """Every reason `schema` cannot be a form: too large, not valid JSON Schema
    2020-12, a keyword outside the specification, a `$ref` outside the schema
    (a form is self-contained: nothing is fetched), or a `$ref` that leads nowhere."""
    if deeper_than(schema, MAX_SCHEMA_DEPTH):
        return [Problem("", f"the schema nests deeper than {MAX_SCHEMA_DEPTH} levels", "too_deep")]
    size = len(json.dumps(schema, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_SCHEMA_BYTES:
        return [
            Problem("", f"the schema is {size} bytes, more than {MAX_SCHEMA_BYTES}", "too_large")
        ]
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return [
            Problem("/type", "a form's schema describes an object: type 'object'", "not_object")
        ]
    found = list(_walk(schema, "", honoured=True))
    found += [
        Problem(pointer_of(e.absolute_path), e.message, "invalid")
        for e in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema)
    ]
    if not found:
        found = list(_unresolved(schema))
    return sorted(set(found), key=lambda p: (p.pointer, p.kind, p.message))


def _walk(node: Any, at: str, *, honoured: bool) -> Iterator[Problem]:
    if not isinstance(node, dict):
        return  # a boolean schema, or a mistake the meta-schema names
    for key, value in node.items():
        here = at + pointer_of([key])
        if key not in keywords():
            yield Problem(here, f"{key!r} is not a JSON Schema 2020-12 keyword", "unknown_keyword")
        elif key == PERSONAL:
            if not isinstance(value, bool):
                yield Problem(here, f"{PERSONAL} is true or false", "invalid")
            elif value and not honoured:
                yield Problem(
                    here,
                    f"{PERSONAL} is honoured on properties, items and $defs, not inside "
                    "a choice (anyOf, oneOf, allOf, if/then/else, not...): mark the "
                    "property that holds the choice",
                    "personal_misplaced",
                )
        elif key in ("$ref", "$dynamicRef") and isinstance(value, str):
            if not value.startswith("#"):
                yield Problem(
                    here, f"{value!r} is outside the schema: a form is self-contained", "remote_ref"
                )
        elif key == "$id":
            yield Problem(here, "a form is self-contained: it needs no $id", "id_not_allowed")
        elif key == "$schema" and value != DIALECT and at == "":
            yield Problem(here, f"a form's dialect is {DIALECT}", "invalid")
        if key in _ONE:
            yield from _walk(value, here, honoured=honoured and _ONE[key])
        elif key in _MAP and isinstance(value, dict):
            for name, sub in value.items():
                yield from _walk(sub, here + pointer_of([name]), honoured=honoured and _MAP[key])
        elif key in _LIST and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from _walk(sub, f"{here}/{i}", honoured=honoured and _LIST[key])


def _resolver(schema: dict[str, Any]) -> Resolver[Any]:
    resource = DRAFT202012.create_resource(schema)
    resolver: Resolver[Any] = Registry().with_resource(_BASE, resource).resolver(_BASE)
    return resolver


def followed(schema: dict[str, Any], node: Any) -> Any:
    """`node`, a part of `schema`, or what its local `$ref` leads to."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str):
        return node
    try:
        return _resolver(schema).lookup(ref).contents
    except Unresolvable:
        return None


def _refs(node: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = at + pointer_of([key])
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                yield here, value
            elif key not in ("enum", "const", "default", "examples"):
                yield from _refs(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _refs(item, f"{at}/{i}")


def _unresolved(schema: dict[str, Any]) -> Iterator[Problem]:
    resolver = _resolver(schema)
    for at, ref in _refs(schema, ""):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            yield Problem(at, f"{ref!r} leads to nothing in the schema", "unresolved_ref")


# --- the answers ----------------------------------------------------------------------


def answer_problems(schema: dict[str, Any], answers: Any) -> list[Problem]:
    """Every answer that fails the schema, by its JSON pointer in the answers; a
    missing required answer by the pointer it would have."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    try:
        errors = list(validator.iter_errors(answers))
    except Unresolvable as exc:  # refused when the call was drafted; never from a stored form
        return [Problem("", f"the form cannot be read: {exc}", "form_unreadable")]
    found = {p for e in errors for p in _problems_of(e)}
    return sorted(found, key=lambda p: (p.pointer, p.message))


def _problems_of(error: ValidationError) -> Iterator[Problem]:
    at = pointer_of(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance:
                yield Problem(at + pointer_of([name]), "an answer is required", "required")
        return
    yield Problem(at, error.message, str(error.validator))


def personal_pointers(schema: dict[str, Any], answers: Any) -> list[str]:
    """The JSON pointers of the answers that the schema marks `x-personal`."""
    found: list[str] = []
    _personal(schema, answers, "", _resolver(schema), found, set())
    return found


def _personal(
    schema: Any,
    value: Any,
    at: str,
    resolver: Resolver[Any],
    found: list[str],
    seen: set[tuple[str, str]],
) -> None:
    if not isinstance(schema, dict):
        return
    if schema.get(PERSONAL) is True:
        found.append(at)
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and (ref, at) not in seen:
        seen.add((ref, at))
        try:
            target = resolver.lookup(ref).contents
        except Unresolvable:
            target = None
        _personal(target, value, at, resolver, found, seen)
        if at in found:
            return
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name, item in value.items():
            sub = properties.get(name, schema.get("additionalProperties"))
            _personal(sub, item, at + pointer_of([name]), resolver, found, seen)
    elif isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else schema.get("items")
            _personal(sub, item, f"{at}/{i}", resolver, found, seen)


def split_personal(
    schema: dict[str, Any], answers: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answers without their personal ones, and the personal ones by pointer.
    A personal item of an array leaves a null in its place, so the others keep
    their positions; `join_personal` puts each back."""
    pointers = personal_pointers(schema, answers)
    if "" in pointers:
        return {}, {"": copy.deepcopy(answers)}
    rest = copy.deepcopy(answers)
    personal: dict[str, Any] = {}
    for at in pointers:
        *path, last = _parts(at)
        parent = _at(rest, path)
        if isinstance(parent, list):
            personal[at], parent[int(last)] = parent[int(last)], None
        else:
            personal[at] = parent.pop(last)
    return rest, personal


def join_personal(answers: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    if "" in personal:
        joined: dict[str, Any] = copy.deepcopy(personal[""])
        return joined
    whole = copy.deepcopy(answers)
    for at, value in personal.items():
        *path, last = _parts(at)
        parent = _at(whole, path)
        if isinstance(parent, list):
            parent[int(last)] = value
        else:
            parent[last] = value
    return whole


def _parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _at(document: Any, path: list[str]) -> Any:
    for part in path:
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document
