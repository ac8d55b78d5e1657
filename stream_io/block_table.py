"""The block list's DynamoDB table: items as the job writes them (sql/tables/fraud_blocks_columns.sql),
read and written as `domain.blocklist.Block`.

An item: target (key, "kind:value"), kind, value, reason, rule, alert_id, blocked_at (text,
UTC with milliseconds, as the job's sink writes timestamps), expires_at (epoch seconds, the
table's TTL attribute; absent: until lifted), blocked_by. DynamoDB removes an expired item
within a day or two of its TTL, so a reader also checks expires_at itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from domain.blocklist import Block, Kind

_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def format_time(epoch_ms: int) -> str:
    """UTC with milliseconds and Z, the job's sink format (fixed width: sorts as text)."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime(_TIME)[:-3] + "Z"


def parse_time(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def to_item(block: Block) -> dict[str, Any]:
    item: dict[str, Any] = {
        "target": {"S": block.target}, "kind": {"S": block.kind.value}, "value": {"S": block.value},
        "reason": {"S": block.reason}, "rule": {"S": block.rule}, "blocked_at": {"S": format_time(block.blocked_at_ms)},
        "blocked_by": {"S": block.blocked_by}}
    if block.alert_id:
        item["alert_id"] = {"S": block.alert_id}
    if block.expires_at_ms is not None:
        item["expires_at"] = {"N": str(block.expires_at_ms // 1000)}
    return item


def from_item(item: dict[str, Any]) -> Block:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value.get("S") if value else None

    expires = item.get("expires_at", {}).get("N")
    return Block(Kind(text("kind") or ""), text("value") or "", text("reason") or "", text("rule") or "",
                 text("alert_id"), parse_time(text("blocked_at") or "1970-01-01T00:00:00Z"),
                 int(expires) * 1000 if expires is not None else None, text("blocked_by") or "")


def scan_blocks(client: Any, table: str) -> Iterator[Block]:
    """Every item of the table (a block list is small: one scan, paged)."""
    for page in client.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            yield from_item(item)


def put_block(client: Any, table: str, block: Block) -> None:
    client.put_item(TableName=table, Item=to_item(block))


def lift_block(client: Any, table: str, target: str) -> Block | None:
    """Removes a block; the block that was lifted, or None when there was none."""
    old = client.delete_item(TableName=table, Key={"target": {"S": target}}, ReturnValues="ALL_OLD")
    return from_item(old["Attributes"]) if old.get("Attributes") else None
