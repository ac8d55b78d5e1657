"""The shaded jar provides the table factories the job's DDL names, once each: our Kinesis
source and DynamoDB sink, and flink-parquet's format (the archive)."""

from __future__ import annotations

import zipfile

import pytest
from pyflink.table import ExplainDetail, TableEnvironment

from jobs.flink_env import CONNECTOR_JAR, create_table_env

SERVICES = "META-INF/services/org.apache.flink.table.factories.Factory"


def test_jar_declares_kinesis_dynamodb_and_parquet_factories() -> None:
    with zipfile.ZipFile(CONNECTOR_JAR) as jar:
        declared = [line.strip() for line in jar.read(SERVICES).decode().splitlines()
                    if line.strip() and not line.startswith("#")]
        for factory in declared:
            assert f"{factory.replace('.', '/')}.class" in jar.namelist()
    assert sorted(declared) == ["org.apache.flink.formats.parquet.ParquetFileFormatFactory",
                                "org.cdrpipeline.flink.dynamodb.DynamoDbDynamicTableFactory",
                                "org.cdrpipeline.flink.kinesis.KinesisDynamicTableFactory"]


@pytest.fixture(scope="module")
def t_env() -> TableEnvironment:
    return create_table_env(managed=False)


def test_flink_plans_a_kinesis_source_and_a_dynamodb_sink(t_env: TableEnvironment) -> None:
    # Planning instantiates each factory through Flink's discovery, which fails on a missing
    # identifier and on two factories sharing one.
    t_env.execute_sql("""CREATE TEMPORARY TABLE k (line STRING) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:us-east-1:000000000000:stream/s', 'aws.region' = 'us-east-1',
        'format' = 'raw')""")
    t_env.execute_sql("""CREATE TEMPORARY TABLE d (id STRING, n BIGINT, PRIMARY KEY (id) NOT ENFORCED)
        WITH ('connector' = 'dynamodb', 'table-name' = 't', 'aws.region' = 'us-east-1')""")
    plan = t_env.explain_sql("INSERT INTO d SELECT line, CHAR_LENGTH(line) FROM k",
                             ExplainDetail.JSON_EXECUTION_PLAN)
    assert '"type" : "Source: k' in plan
    assert '"type" : "d[' in plan and ': Writer"' in plan  # a Sink V2 writer: our DynamoDB sink


def test_options_are_validated_with_clear_errors(t_env: TableEnvironment) -> None:
    t_env.execute_sql("""CREATE TEMPORARY TABLE bad (line STRING) WITH ('connector' = 'kinesis',
        'stream.arn' = 'arn:aws:kinesis:us-east-1:000000000000:stream/s', 'aws.region' = 'us-east-1',
        'format' = 'raw', 'source.reader.type' = 'EFO')""")
    with pytest.raises(Exception, match="POLLING"):
        t_env.explain_sql("SELECT * FROM bad")
    t_env.execute_sql("""CREATE TEMPORARY TABLE nokey (id STRING) WITH ('connector' = 'dynamodb',
        'table-name' = 't', 'aws.region' = 'us-east-1')""")
    with pytest.raises(Exception, match="PRIMARY KEY"):
        t_env.explain_sql("INSERT INTO nokey SELECT 'x'")
