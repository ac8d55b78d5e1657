"""The shaded jar provides the table factories the job's DDL names, once each: our Kinesis
source and DynamoDB sink, and flink-parquet's format (the archive); the source reads KPL
aggregates as the records they pack."""

from __future__ import annotations

import hashlib
import zipfile

import pytest
from pyflink.table import ExplainDetail, TableEnvironment

from jobs.flink_env import CONNECTOR_JAR, create_table_env
from local.local_aws import ACCOUNT, REGION, LocalAws
from stream_io.kinesis_writer import KinesisWriter

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
    t_env.execute_sql("""CREATE TEMPORARY TABLE by_name (line STRING) WITH ('connector' = 'kinesis',
        'stream.arn' = 'cdr-events', 'aws.region' = 'us-east-1', 'format' = 'raw')""")
    with pytest.raises(Exception, match="must be a stream's ARN.*got 'cdr-events'"):
        t_env.explain_sql("SELECT * FROM by_name")
    t_env.execute_sql("""CREATE TEMPORARY TABLE nokey (id STRING) WITH ('connector' = 'dynamodb',
        'table-name' = 't', 'aws.region' = 'us-east-1')""")
    with pytest.raises(Exception, match="PRIMARY KEY"):
        t_env.explain_sql("INSERT INTO nokey SELECT 'x'")


def test_the_kinesis_source_unpacks_kpl_aggregates_beside_plain_records(t_env: TableEnvironment,
                                                                         local_aws: LocalAws) -> None:
    stream = "kpl-aggregates"
    local_aws.kinesis.create_stream(StreamName=stream, ShardCount=2)
    local_aws.kinesis.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 0.2})
    arn = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{stream}"
    plain = [f'{{"n": {i}}}' for i in range(40)]
    packed = [f'{{"n": {i}, "packed": true}}' for i in range(40, 400)]
    for lines, aggregate in ((plain[:20], False), (packed, True), (plain[20:], False)):
        writer = KinesisWriter(local_aws.kinesis, arn, aggregate=aggregate)
        for line in lines:
            writer.put(line.encode(), f"key-{len(line) % 7}")
        writer.flush()
    # The magic without the digest, or the digest of a cut protobuf: not aggregates, so each is
    # read whole (and would be a dead letter).
    magic, cut = bytes([0xF3, 0x89, 0x9A, 0xC2]), bytes([0x1A, 0x7F, 0x08])
    forged = [magic + b"not a protobuf" + bytes(16), magic + cut + hashlib.md5(cut).digest()]
    for data in forged:
        local_aws.kinesis.put_record(StreamARN=arn, Data=data, PartitionKey="forged")
    # As the KPL itself writes one, with the fields our writer leaves out: an explicit hash key
    # table (field 2), a record's explicit hash key index and a tag (record fields 2 and 4).
    kpl_data = b'{"n": 400, "packed": true}'
    record = bytes([0x08, 0, 0x10, 0, 0x1A, len(kpl_data)]) + kpl_data + bytes([0x22, 7, 0x0A, 1]) + b"k" \
        + bytes([0x12, 2]) + b"vv"
    body = bytes([0x0A, 3]) + b"kpl" + bytes([0x12, 3]) + b"123" + bytes([0x1A, len(record)]) + record
    local_aws.kinesis.put_record(StreamARN=arn, Data=magic + body + hashlib.md5(body).digest(), PartitionKey="kpl")
    packed.append(kpl_data.decode())
    t_env.execute_sql(f"""CREATE TEMPORARY TABLE kpl (line BYTES,
        seq STRING METADATA FROM 'sequence-number' VIRTUAL) WITH ('connector' = 'kinesis',
        'stream.arn' = '{arn}', 'aws.region' = '{REGION}', 'aws.endpoint' = '{local_aws.kinesis_endpoint}',
        'aws.credentials.provider' = 'BASIC', 'aws.credentials.basic.accesskeyid' = 'test',
        'aws.credentials.basic.secretkey' = 'test', 'source.init.position' = 'TRIM_HORIZON',
        'source.bounded' = 'true', 'format' = 'raw')""")
    with t_env.execute_sql("SELECT line, seq FROM kpl").collect() as results:
        rows = [(bytes(row[0]), row[1]) for row in results]
    assert sorted(data for data, _ in rows) == sorted([line.encode() for line in plain + packed] + forged)
    assert len({seq for _, seq in rows}) == len(rows)  # every record keeps a place of its own
    # A packed record's place is its aggregate's sequence number and its index in it.
    packed_places = [seq for data, seq in rows if b"packed" in data]
    assert all(":" in seq for seq in packed_places)
    assert all(":" not in seq for data, seq in rows if b"packed" not in data)
    for aggregate in {seq.split(":")[0] for seq in packed_places}:
        indexes = sorted(int(seq.split(":")[1]) for seq in packed_places if seq.split(":")[0] == aggregate)
        assert indexes == list(range(len(indexes)))
