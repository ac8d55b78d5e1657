"""The streaming job's DynamoDB tables as the operator commands reach them: named and located by
the job's own application_properties.json (CdrSinks), with the default credential chain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

from jobs import config as job_config


def job_tables(properties: Path) -> tuple[job_config.SinkConfig, Any]:
    """The job's sink settings and a DynamoDB client for them (ConfigError: the file's problem)."""
    sinks = job_config.load_group(job_config.SinkConfig, properties)
    return sinks, boto3.client("dynamodb", region_name=sinks.region, endpoint_url=sinks.dynamodb_endpoint or None)
