"""Serving one service in this process, as `cascade serve` and the image do."""

from __future__ import annotations

import uvicorn

from shared.app import ServiceDefinition, create_app
from shared.logs import configure_logging
from shared.settings import Settings
from shared.telemetry import configure_tracing

# Uvicorn finishes open requests for this long after SIGTERM, then the lifespan
# stops the consumers and the relay (each within shared.app.STOP_TIMEOUT_S): the
# whole stop fits a 30 s termination grace period.
GRACEFUL_SHUTDOWN_S = 10


def serve(service: ServiceDefinition, settings: Settings, port: int | None = None) -> None:
    configure_logging(settings.log_level, settings.log_format, service.name)
    configure_tracing(settings, service.name)
    uvicorn.run(
        create_app(service, settings),
        host=settings.host,
        port=port or settings.port_of(service.name),
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
