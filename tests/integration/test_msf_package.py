"""The MSF application package: its layout is what the run options name, its vendored packages
are CPython 3.12 manylinux wheels that import under Python 3.12, and the package itself,
unzipped, runs the job end to end against the emulators. What is deployed is what is tested."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy.package_msf import RUN_OPTIONS, build
from local.local_aws import LocalAws, Resources
from stream_io.kinesis_writer import put_stream
from synthetic.traffic import TrafficSpec, generate, to_json
from tests.expected import final_legs

SERVICES = "META-INF/services/org.apache.flink.table.factories.Factory"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("package") / "cdr-pipeline-msf.zip")


@pytest.fixture(scope="module")
def unzipped(package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("unzipped")
    with zipfile.ZipFile(package) as archive:
        archive.extractall(target)
    return target


def test_layout_is_what_the_run_options_name(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        jar = archive.read(RUN_OPTIONS["jarfile"])
    assert RUN_OPTIONS["python"] in names and RUN_OPTIONS["jarfile"] in names
    for folder in RUN_OPTIONS["pyFiles"].split(","):
        assert any(name.startswith(folder) for name in names), folder
    assert {"app/jobs/cdr_pipeline.py", "app/sql/views/records/40_cdr_final.sql", "app/tariffs/plans.yaml",
            "app/tariffs/decks/default/1970-01-01.csv", "app/rules/fraud.yaml", "dep/boto3/__init__.py",
            "dep/yaml/__init__.py", "dep/phonenumbers/__init__.py"} <= names
    assert not any("__pycache__" in name or name.startswith("app/tests") for name in names)
    with zipfile.ZipFile(__import__("io").BytesIO(jar)) as inner:
        factories = [line for line in inner.read(SERVICES).decode().splitlines() if line and not line.startswith("#")]
    assert sorted(factories) == ["org.apache.flink.formats.parquet.ParquetFileFormatFactory",
                                 "org.cdrpipeline.flink.dynamodb.DynamoDbDynamicTableFactory",
                                 "org.cdrpipeline.flink.kinesis.KinesisDynamicTableFactory"]


def test_the_build_is_reproducible(package: Path, tmp_path: Path) -> None:
    again = build(tmp_path / "again.zip")
    assert again.read_bytes() == package.read_bytes()


def _compatible_with_msf(tag: str) -> bool:
    """A wheel tag CPython 3.12 on manylinux x86_64 installs."""
    python, abi, platform = tag.split("-")
    return (any(p in ("py3", "cp312") for p in python.split("."))
            and abi in ("none", "abi3", "cp312")
            and (platform == "any" or (platform.startswith("manylinux") and platform.endswith("x86_64"))))


def test_vendored_wheels_are_for_python_3_12_manylinux(unzipped: Path) -> None:
    wheels = sorted((unzipped / "dep").glob("*.dist-info/WHEEL"))
    assert len(wheels) >= 9  # boto3, botocore, s3transfer, jmespath, dateutil, six, urllib3, PyYAML, phonenumbers
    for wheel in wheels:
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        assert tags and any(_compatible_with_msf(tag) for tag in tags), (wheel.parent.name, tags)
    binary = [w.parent.name for w in wheels if "cp312" in w.read_text()]
    assert binary, "PyYAML's compiled wheel: the case a wrong tag would break"


def _python_3_12() -> str | None:
    """A real CPython 3.12 executable (pyenv's shim only answers when 3.12 is selected)."""
    candidates = [os.environ.get("CDR_PYTHON312", ""), "/usr/bin/python3.12", "/usr/local/bin/python3.12",
                  *map(str, sorted(Path.home().glob(".pyenv/versions/3.12*/bin/python3.12")))]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def test_vendored_packages_import_under_python_3_12(unzipped: Path) -> None:
    python312 = _python_3_12()
    assert python312, "CPython 3.12 (MSF's) checks the vendored wheels: install it, or name it in CDR_PYTHON312"
    code = ("import sys; sys.path[:0] = ['dep']; import yaml, boto3, botocore, phonenumbers;"
            "assert sys.version_info[:2] == (3, 12); print(yaml.__with_libyaml__, boto3.__version__)")
    result = subprocess.run([python312, "-I", "-c", code], cwd=unzipped, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1.44.8"]  # the compiled libyaml binding loaded


def test_the_unzipped_package_runs_end_to_end(unzipped: Path, tmp_path: Path) -> None:
    records = list(generate(TrafficSpec(seed=77, calls=400, subscribers=40, hours=3)))
    resources = Resources(stream="cdr-package", bucket="cdr-package-archive", timestream_database="cdr_package")
    with LocalAws.start(resources) as aws:
        put_stream([to_json(r) for r in records], aws.kinesis, aws.resources.stream_arn)
        # Metrics on: the Python operator (thread mode, inside the JVM) runs from the package too.
        properties = aws.write_properties(tmp_path / "application_properties.json", bounded=True, metrics=True)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        result = subprocess.run([sys.executable, RUN_OPTIONS["python"], "stream", "--properties", str(properties)],
                                cwd=unzipped, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        usage = aws.scan(aws.resources.usage_hourly_table)
        archived = aws.s3_dataset(aws.resources.archive_prefix).to_table(columns=["record_id"])
        attempts = sum(int(next(m["Value"] for m in r["MeasureValues"] if m["Name"] == "attempts"))
                       for r in aws.timestream_records("cdr_minute"))
    calls: dict[str, int] = collections.Counter(leg.subscriber for leg in final_legs(records))
    assert {s: sum(int(i["calls"]) for i in usage if i["subscriber_id"] == s) for s in calls} == dict(calls)
    assert sorted(archived.column("record_id").to_pylist()) == sorted({r["recordId"] for r in records})
    assert attempts == sum(calls.values())
