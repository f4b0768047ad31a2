"""What a Kafka consumer of the dispatcher's topic may rely on (DESIGN.md §3, §4), as checks
that return readable problems instead of asserting one thing at a time."""

from __future__ import annotations

from collections import defaultdict

from .eventstore import Event
from .kafka import Message


def versions_by_stream(messages: list[Message]) -> dict[str, list[int]]:
    """Stream id -> versions in the order they sit in their partition(s)."""
    result: dict[str, list[int]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
        key = (message.key or b"").decode("utf-8", "replace")
        try:
            result[key].append(message.version)
        except (KeyError, ValueError):
            result[key].append(-1)
    return result


def delivered(messages: list[Message], expected: dict[str, int], first: dict[str, int]) -> bool:
    """True once, for every stream id, every version first..expected has arrived."""
    seen: dict[str, set[int]] = defaultdict(set)
    for message in messages:
        try:
            seen[(message.key or b"").decode()].add(message.version)
        except (KeyError, ValueError, UnicodeDecodeError):
            continue
    return all(set(range(first.get(s, 0), last + 1)) <= seen[s] for s, last in expected.items())


def order_problems(stream_id: str, versions: list[int], first: int, last: int,
                   allow_resend: bool) -> list[str]:
    """Versions must be first..last in order; a re-send may only repeat a contiguous suffix of
    what was sent before (and then continue contiguously)."""
    problems = []
    highest = first - 1
    previous: int | None = None
    for position, version in enumerate(versions):
        if previous is None:
            if version != first:
                problems.append(f"{stream_id}: starts at {version}, expected {first}")
        elif version != previous + 1:
            if version > highest + 1:
                problems.append(f"{stream_id}: gap, {version} after {previous} "
                                f"(position {position})")
            elif version > previous:
                problems.append(f"{stream_id}: skipped ahead, {version} after {previous}")
            elif not allow_resend:
                problems.append(f"{stream_id}: duplicate run from {version} after {previous} "
                                "although no invocation failed")
            elif version < first:
                problems.append(f"{stream_id}: re-send from {version} before first {first}")
        if version > last:
            problems.append(f"{stream_id}: version {version} beyond the expected last {last}")
        highest = max(highest, version)
        previous = version
    if highest != last:
        problems.append(f"{stream_id}: highest delivered {highest}, expected {last}")
    return problems


def delivery_problems(messages: list[Message], written: dict[str, list[Event]],
                      expected_last: dict[str, int] | None = None,
                      allow_resend: bool = False) -> list[str]:
    """Every guarantee a consumer relies on, for the aggregates in `written` (stream id ->
    events). `expected_last` overrides the highest version that must (and may) arrive."""
    problems: list[str] = []
    by_stream: dict[str, list[Message]] = defaultdict(list)
    for message in sorted(messages, key=lambda m: (m.partition, m.offset)):
        by_stream[(message.key or b"").decode("utf-8", "replace")].append(message)
    for key in by_stream.keys() - written.keys():
        problems.append(f"message with unexpected key {key!r} ({len(by_stream[key])} messages)")
    for stream_id, events in written.items():
        by_version = {event.version: event for event in events}
        first = min(by_version)
        last = (expected_last or {}).get(stream_id, max(by_version))
        received = by_stream.get(stream_id, [])
        partitions = {message.partition for message in received}
        if len(partitions) > 1:
            problems.append(f"{stream_id}: messages spread over partitions {sorted(partitions)}")
        versions = []
        for message in received:
            names = [name for name, _ in message.headers]
            duplicated = {name for name in names if names.count(name) > 1}
            if duplicated:
                problems.append(f"{stream_id}: header(s) {sorted(duplicated)} repeated")
            headers = message.header_dict()
            try:
                version = int(headers["version"])
            except (KeyError, ValueError):
                problems.append(f"{stream_id}: message without a numeric version header "
                                f"{headers}")
                continue
            versions.append(version)
            event: Event | None = by_version.get(version)
            if event is None:
                problems.append(f"{stream_id}: version {version} was never written")
                continue
            if message.value != event.data:
                problems.append(f"{stream_id}@{version}: value differs from the item's data")
            if headers != event.expected_headers():
                expected = event.expected_headers()
                diff = {name: (headers.get(name), expected.get(name))
                        for name in headers.keys() | expected.keys()
                        if headers.get(name) != expected.get(name)}
                problems.append(f"{stream_id}@{version}: headers differ (got, expected) {diff}")
        problems.extend(order_problems(stream_id, versions, first, last, allow_resend))
    return problems


def offset_problems(offsets: dict[str, int | None], expected: dict[str, int]) -> list[str]:
    return [f"{aggregate}: offset {offsets.get(aggregate)}, expected {version}"
            for aggregate, version in expected.items() if offsets.get(aggregate) != version]
