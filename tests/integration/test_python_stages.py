"""The views the Python stages make have the columns sql/python/ declares for them, with fraud
detection on and off (off, fraud_detected is made in SQL from cdr_final)."""

from __future__ import annotations

import json
import re

import pytest

from jobs.cdr_pipeline import CHECK_PATHS, EXAMPLE_PROPERTIES, assemble_stream
from jobs.config import load_replay, load_streaming
from jobs.flink_env import create_table_env
from jobs.pipeline import STAGES, PythonStage, build_pipeline
from jobs.sql_files import SQL_ROOT

DECLARED = sorted((SQL_ROOT / "python").glob("*.sql"))


def columns(t_env, name: str) -> list[tuple[str, str]]:
    """Names and types (nullability aside: the SQL-made empty fraud_detected has a NOT NULL time)."""
    return [(str(column.getName()), str(column.getDataType().nullable()))
            for column in t_env.from_path(name)._j_table.getResolvedSchema().getColumns()]


def test_every_python_view_has_its_declaration_and_no_other() -> None:
    made = {view for stage in STAGES if isinstance(stage, PythonStage) for view in stage.views}
    assert {path.stem for path in DECLARED} == made


@pytest.mark.parametrize("skip", [(), ("fraud_alerts", "fraud_tagged_calls")], ids=["fraud on", "fraud off"])
def test_python_views_have_the_declared_columns(skip: tuple[str, ...]) -> None:
    t_env = create_table_env(managed=False, batch=True)
    build_pipeline(t_env, load_replay(None), "replay", CHECK_PATHS, skip)
    for path in DECLARED:
        declaration = path.read_text(encoding="utf-8")
        stand_in = f"{path.stem}_declared"
        t_env.execute_sql(re.sub(rf"CREATE TEMPORARY TABLE {path.stem} \(", f"CREATE TEMPORARY TABLE {stand_in} (",
                                 declaration))
        assert columns(t_env, path.stem) == columns(t_env, stand_in), path.name


def test_the_keyed_python_functions_are_keyed_on_the_jvm() -> None:
    """Leg attribution and the fraud rules receive their rows keyed by a Java map (KeyFirst,
    jobs/keyed_streams.py), not by PyFlink's key_by, whose Python operator was a crossing of its
    own for every record."""
    plan = json.loads(assemble_stream(load_streaming(EXAMPLE_PROPERTIES), {}).get_execution_plan())
    nodes = {node["id"]: node for node in plan["nodes"]}
    fed_by = {node["contents"]: [nodes[edge["id"]]["contents"] for edge in node.get("predecessors", [])]
              for node in plan["nodes"]}
    assert fed_by["logical calls by linkedId"] == ["key by linked_id"]
    assert fed_by["fraud rules by subscriber"] == ["key by subscriber_id"]
    assert fed_by["fraud rules by remote number"] == ["key by remote_number"]
