"""The Strimzi KafkaTopics are exactly the topics the services use, and event topics never forget."""

from __future__ import annotations

import copy
from typing import Any

from cascade.services import NAMES, event_owners
from shared.settings import Settings

EVENT_SOURCES = event_owners()
SERVICES = NAMES

Resource = dict[str, Any]
FOREVER = {"retention.ms": -1, "retention.bytes": -1, "cleanup.policy": "delete"}


def topics(manifests: list[Resource]) -> dict[str, Resource]:
    return {t["spec"]["topicName"]: t for t in manifests if t["kind"] == "KafkaTopic"}


def forgetful(topic: Resource) -> list[str]:
    """Settings that would let Kafka drop events of this topic."""
    config = topic["spec"].get("config", {})
    return [
        f"{key}={config.get(key)!r}" for key, value in FOREVER.items() if config.get(key) != value
    ]


def test_the_topics_are_those_the_services_publish_and_dead_letter_to(
    manifests: list[Resource],
) -> None:
    expected = {f"{s}.events" for s in EVENT_SOURCES} | {f"{s}.dlq" for s in SERVICES}
    assert set(topics(manifests)) == expected


def test_event_topics_keep_every_event_forever(manifests: list[Resource]) -> None:
    events = [t for name, t in topics(manifests).items() if name.endswith(".events")]
    assert len(events) == len(EVENT_SOURCES)
    assert {t["spec"]["topicName"]: forgetful(t) for t in events} == {
        t["spec"]["topicName"]: [] for t in events
    }


def test_dead_letters_wait_for_a_person(manifests: list[Resource]) -> None:
    for name, topic in topics(manifests).items():
        if name.endswith(".dlq"):
            assert forgetful(topic) == []
            assert topic["spec"]["partitions"] == 1


def test_event_topics_have_the_partitions_the_services_expect(manifests: list[Resource]) -> None:
    config = next(r for r in manifests if r["kind"] == "ConfigMap")["data"]
    default = Settings.model_fields["event_topic_partitions"].default
    assert int(config["CASCADE_EVENT_TOPIC_PARTITIONS"]) == default
    for name, topic in topics(manifests).items():
        if name.endswith(".events"):
            assert topic["spec"]["partitions"] == default


def test_a_write_is_acknowledged_by_more_than_one_broker_in_production(
    overlay: str, manifests: list[Resource]
) -> None:
    for topic in topics(manifests).values():
        replicas, min_isr = (
            topic["spec"]["replicas"],
            topic["spec"]["config"]["min.insync.replicas"],
        )
        assert min_isr < replicas or replicas == 1, "one broker down must not stop writes"
        if overlay == "prod":
            assert (replicas, min_isr) == (3, 2)


def test_a_topic_with_finite_retention_or_compaction_is_caught(manifests: list[Resource]) -> None:
    topic = copy.deepcopy(topics(manifests)["calls.events"])
    topic["spec"]["config"]["retention.ms"] = 604_800_000
    assert forgetful(topic) == ["retention.ms=604800000"]
    topic["spec"]["config"].update({"retention.ms": -1, "cleanup.policy": "compact"})
    assert forgetful(topic) == ["cleanup.policy='compact'"]
