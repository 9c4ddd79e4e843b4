"""A database out of reach answers 503 `database_unavailable` with Retry-After,
never a 500: the caller did nothing wrong and may simply try again."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared import problems


class PostgresError(Exception):
    """What a driver error carries: its SQLSTATE."""

    def __init__(self, message: str, sqlstate: str):
        super().__init__(message)
        self.sqlstate = sqlstate


def app_raising(error: BaseException) -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/fails")
    async def fails() -> None:
        raise error

    return app


async def answer_of(error: BaseException) -> httpx.Response:
    transport = httpx.ASGITransport(app=app_raising(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/fails")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        FileNotFoundError(2, "No such file or directory"),  # the Unix socket is gone
        ConnectionResetError(104, "Connection reset by peer"),
        PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
        DBAPIError("SELECT 1", None, PostgresError("sorry, too many clients already", "53300")),
        DBAPIError("SELECT 1", None, PostgresError("terminating connection", "57P01")),
        DBAPIError("SELECT 1", None, PostgresError("connection failure", "08006")),
    ],
    ids=[
        "refused",
        "socket-gone",
        "reset",
        "pool-exhausted",
        "too-many-clients",
        "admin-shutdown",
        "connection-failure",
    ],
)
async def test_a_database_out_of_reach_is_503_with_retry_after(error: BaseException) -> None:
    answer = await answer_of(error)
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["code"] == "database_unavailable"


async def test_any_other_database_error_stays_an_internal_error() -> None:
    answer = await answer_of(DBAPIError("SELECT 1", None, PostgresError("syntax", "42601")))
    assert answer.status_code == 500
    assert answer.json()["code"] == "internal_error"
