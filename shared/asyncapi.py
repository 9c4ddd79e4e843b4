"""AsyncAPI 3 documents generated from the code: a service's event types, as the
registry knows them, on its `<service>.events` channel, each message being the
envelope (ARCHITECTURE.md) whose `payload` is the event's JSON schema."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter
from pydantic.json_schema import models_json_schema

from shared.events import Envelope, Event, EventRegistry, registry

REF = "#/components/schemas/{model}"


def message_name(event_type: str) -> str:
    """`calls.CallOpened` -> `CallOpened`: the message's key in the document."""
    return event_type.split(".", 1)[1]


def asyncapi_document(
    service: str,
    *,
    title: str,
    description: str = "",
    types: EventRegistry = registry,
) -> dict[str, Any]:
    """The AsyncAPI document of the events `service` publishes (types named `<service>.*`)."""
    classes = sorted(
        (cls for name, cls in types.types().items() if name.startswith(f"{service}.")),
        key=lambda c: c.event_type,
    )
    models: list[type[Any]] = [Envelope, *classes]
    refs, schemas = models_json_schema([(m, "serialization") for m in models], ref_template=REF)
    channel = f"{service}.events"
    messages = {
        message_name(cls.event_type): _message(cls, refs[(cls, "serialization")]["$ref"])
        for cls in classes
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": title, "version": "1", "description": description},
        "defaultContentType": "application/json",
        "channels": {
            channel: {
                "address": channel,
                "description": "Kafka topic (with the deployment's prefix), keyed by stream id; "
                "per stream, events arrive in version order.",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": {
            f"publish{service.title()}Events": {
                "action": "send",
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": [
                    {"$ref": f"#/channels/{channel}/messages/{name}"} for name in messages
                ],
            }
        },
        "components": {"messages": messages, "schemas": schemas.get("$defs", {})},
    }


def _message(cls: type[Event], payload_ref: str) -> dict[str, Any]:
    return {
        "name": cls.event_type,
        "title": message_name(cls.event_type),
        "summary": inspect.getdoc(cls) if cls.__doc__ else cls.event_type,
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "const": cls.event_type},
                "id": {"type": "string", "format": "uuid"},
                "traceparent": {"type": "string"},
            },
            "required": ["type", "id"],
        },
        "payload": {
            "allOf": [
                {"$ref": REF.format(model="Envelope")},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": cls.event_type},
                        "schema_version": {"const": cls.schema_version},
                        "payload": {"$ref": payload_ref},
                    },
                },
            ]
        },
        "bindings": {"kafka": {"key": {"type": "string", "description": "the stream id"}}},
        "x-schema-version": cls.schema_version,
        "x-personal-fields": sorted(cls.personal_fields),
        "x-personal-subjects": dict(sorted(cls.personal_subjects.items())),
        "x-subject-fields": sorted(cls.subject_fields),
    }


def asyncapi_router(service: str, *, title: str, description: str = "") -> APIRouter:
    """`GET /asyncapi.json`: the document, built once on first request."""
    router = APIRouter(tags=["events"])
    built: dict[str, Any] = {}

    @router.get("/asyncapi.json", summary="AsyncAPI document of the events this service publishes")
    async def asyncapi() -> dict[str, Any]:
        if not built:
            built.update(asyncapi_document(service, title=title, description=description))
        return built

    return router
