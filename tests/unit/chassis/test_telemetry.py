"""Where spans go is a setting: nowhere, the console, or an OTLP collector."""

from __future__ import annotations

import json
import logging

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from shared.logs import JsonFormatter
from shared.settings import Settings
from shared.telemetry import configure_tracing


def exporters_of(provider: TracerProvider) -> list[object]:
    processors = provider._active_span_processor._span_processors
    return [p.span_exporter for p in processors]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _keep_global_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    # configure_tracing installs the process-wide provider; keep tests independent.
    monkeypatch.setattr("shared.telemetry.trace.set_tracer_provider", lambda provider: None)


@pytest.mark.parametrize(
    ("exporter", "kind"),
    [
        ("none", None),
        ("console", ConsoleSpanExporter),
        ("otlp", OTLPSpanExporter),
    ],
)
def test_the_exporter_follows_the_setting(exporter: str, kind: type | None) -> None:
    provider = configure_tracing(Settings(otel_exporter=exporter), "calls")  # type: ignore[arg-type]
    exporters = exporters_of(provider)
    assert [type(e) for e in exporters] == ([kind] if kind else [])
    assert provider.resource.attributes["service.name"] == "cascade-calls"
    provider.shutdown()


def test_log_lines_are_json_with_the_trace_of_the_current_span() -> None:
    provider = TracerProvider()
    record = logging.LogRecord(
        "cascade.test", logging.INFO, __file__, 1, "paid %s", ("once",), None
    )
    record.grant_id = "g-1"
    with provider.get_tracer("t").start_as_current_span("work") as span:
        line = JsonFormatter("payments").format(record)
        trace_id = format(span.get_span_context().trace_id, "032x")
    entry = json.loads(line)
    assert entry["msg"] == "paid once"
    assert (entry["service"], entry["grant_id"], entry["level"]) == ("payments", "g-1", "info")
    assert entry["trace_id"] == trace_id
