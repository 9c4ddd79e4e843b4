"""What makes two requests under one Idempotency-Key the same request."""

from __future__ import annotations

from shared.idempotency import IdempotentRequest


def fingerprint(
    path: str = "/v1/calls",
    body: bytes = b'{"a": 1, "b": [1, 2]}',
    method: str = "POST",
    query: str = "",
) -> str:
    return IdempotentRequest.of("alice", "k1", method, path, query, body).request_hash


def test_the_same_json_written_differently_is_the_same_request() -> None:
    assert fingerprint(body=b'{"b":[1,2],"a":1}') == fingerprint()
    assert fingerprint(body=b'{\n  "a": 1,\n  "b": [1, 2]\n}') == fingerprint()


def test_another_body_path_query_or_method_is_another_request() -> None:
    first = fingerprint()
    assert fingerprint(body=b'{"a": 2, "b": [1, 2]}') != first
    assert fingerprint(body=b'{"a": 1, "b": [2, 1]}') != first
    assert fingerprint(path="/v1/programmes") != first
    assert fingerprint(query="dry_run=true") != first
    assert fingerprint(method="PATCH") != first


def test_a_body_that_is_not_json_is_compared_as_it_is() -> None:
    assert fingerprint(body=b"not json") == fingerprint(body=b"not json")
    assert fingerprint(body=b"not json") != fingerprint(body=b"not json ")
    assert fingerprint(body=b"[" * 100_000) != fingerprint(body=b"[" * 99_999)
