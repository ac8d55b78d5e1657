"""End to end: generated CDRs on the Kinesis emulator, the job in the minicluster reading them
through the Kinesis connector, results in the DynamoDB emulator through the DynamoDB connector."""

from __future__ import annotations

import collections
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from jobs.cdr_pipeline import run_stream
from tests.expected import USAGE_FIGURES, usage_hourly
from tools.bad_records import BadRecord
from tools.generate import put_stream
from tools.local_aws import LocalAws


@pytest.fixture(scope="module")
def streamed(local_aws: LocalAws, mixed_lines: list[tuple[str, BadRecord | None]], tmp_path_factory) -> LocalAws:
    put_stream([line for line, _ in mixed_lines], local_aws.kinesis, local_aws.resources.stream_arn)
    properties = local_aws.write_properties(tmp_path_factory.mktemp("props") / "app.json", bounded=True)
    run_stream(properties)
    return local_aws


def test_dynamodb_usage_equals_independent_computation(streamed: LocalAws, traffic: list[dict[str, Any]]) -> None:
    items = streamed.scan(streamed.resources.usage_hourly_table)
    actual = {(item["subscriber_id"], datetime.fromisoformat(item["window_start"].replace("Z", ""))):
              {figure: int(item[figure]) for figure in USAGE_FIGURES} for item in items}
    assert actual == usage_hourly(traffic)
    assert all(item["window_end"].endswith("Z") for item in items)


def test_dead_letters_table_holds_every_bad_record_with_its_place(streamed: LocalAws, mixed_lines: list) -> None:
    items = streamed.scan(streamed.resources.dead_letters_table)
    injected = collections.Counter((line[:65536], len(line) > 65536, bad.reason)
                                   for line, bad in mixed_lines if bad is not None)
    assert collections.Counter((item.get("raw_record", ""), item["raw_truncated"], item["reason"])
                               for item in items) == injected
    shards = {shard["ShardId"] for shard in streamed.kinesis.list_shards(
        StreamARN=streamed.resources.stream_arn)["Shards"]}
    assert all(item["source_partition"] in shards and item["source_offset"].isdigit() for item in items)
