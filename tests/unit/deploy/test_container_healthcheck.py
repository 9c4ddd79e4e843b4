"""The image's HEALTHCHECK finds the service a container serves and asks its /readyz."""

from __future__ import annotations

from deploy.docker.healthcheck import served, url_of

VENV = "/opt/cascade/bin"


def test_finds_the_service_of_cascade_serve() -> None:
    assert served([f"{VENV}/python", f"{VENV}/cascade", "serve", "payments"]) == ("payments", None)


def test_finds_a_port_given_on_the_command_line() -> None:
    assert served(["cascade", "serve", "calls", "--port", "9001"]) == ("calls", 9001)
    assert served(["cascade", "serve", "calls", "--port=9002"]) == ("calls", 9002)


def test_one_shot_commands_serve_nothing() -> None:
    assert served([f"{VENV}/python", f"{VENV}/cascade", "migrate", "calls"]) is None
    assert served(["python", "/opt/cascade/healthcheck.py"]) is None
    assert served(["/bin/sh", "-c", "cascade topics create"]) is None


def test_asks_the_services_own_port_on_loopback_when_it_listens_everywhere() -> None:
    environ = {"CASCADE_HOST": "0.0.0.0"}
    assert url_of("reporting", None, environ) == "http://127.0.0.1:8004/readyz"
    assert url_of("reporting", 9004, environ) == "http://127.0.0.1:9004/readyz"


def test_follows_a_port_setting() -> None:
    assert url_of("calls", None, {"CASCADE_CALLS_PORT": "18001"}) == "http://127.0.0.1:18001/readyz"
