"""The fraud desk's alert statuses in DynamoDB (key alert_id), as `domain.alert_status.AlertStatus`.

A change is written only if the item still holds the status it was decided from (a
conditional put): two people closing the same alert at once cannot both succeed unseen.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from domain.alert_status import AlertStatus, Status, TransitionError
from stream_io.block_table import format_time, parse_time


def to_item(status: AlertStatus) -> dict[str, Any]:
    item: dict[str, Any] = {"alert_id": {"S": status.alert_id}, "status": {"S": status.status.value},
                            "changed_by": {"S": status.changed_by},
                            "changed_at": {"S": format_time(status.changed_at_ms)},
                            "history": {"L": [{"S": entry} for entry in status.history]}}
    if status.note:
        item["note"] = {"S": status.note}
    return item


def from_item(item: dict[str, Any]) -> AlertStatus:
    return AlertStatus(item["alert_id"]["S"], Status(item["status"]["S"]), item["changed_by"]["S"],
                       parse_time(item["changed_at"]["S"]), item.get("note", {}).get("S", ""),
                       tuple(entry["S"] for entry in item.get("history", {}).get("L", [])))


def read_status(client: Any, table: str, alert_id: str) -> AlertStatus | None:
    item = client.get_item(TableName=table, Key={"alert_id": {"S": alert_id}}, ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def scan_statuses(client: Any, table: str) -> Iterator[AlertStatus]:
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            yield from_item(item)


def write_status(client: Any, table: str, status: AlertStatus, previous: AlertStatus | None) -> None:
    """Writes the new status if the item is still `previous` (absent when None)."""
    condition: dict[str, Any]
    if previous is None:
        condition = {"ConditionExpression": "attribute_not_exists(alert_id)"}
    else:
        condition = {"ConditionExpression": "changed_at = :at AND #s = :status",
                     "ExpressionAttributeNames": {"#s": "status"},
                     "ExpressionAttributeValues": {":at": {"S": format_time(previous.changed_at_ms)},
                                                   ":status": {"S": previous.status.value}}}
    try:
        client.put_item(TableName=table, Item=to_item(status), **condition)
    except client.exceptions.ConditionalCheckFailedException:
        raise TransitionError(f"alert {status.alert_id} was changed meanwhile: read it again") from None
