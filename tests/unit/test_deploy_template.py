"""The CloudFormation template: cfn-lint clean, least privilege, and consistent with what the
package and the job expect (run options, configuration keys, the archive's Glue columns)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from deploy import iam_policy_check
from deploy.package_msf import RUN_OPTIONS
from jobs.config import load_streaming
from ops.glue_table import table_input

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "kinesis-analytics" / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return iam_policy_check.load(TEMPLATE)


def test_cfn_lint_is_clean() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_role_has_least_privilege(template: dict[str, Any]) -> None:
    assert iam_policy_check.problems(template) == []


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    return template["Resources"]["ApplicationRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


@pytest.mark.parametrize("change, expected", [
    (lambda s: s[1].update(Action="kinesis:*"), "action 'kinesis:*' has a wildcard"),
    (lambda s: s[1].update(Action=["kinesis:Get*"]), "action 'kinesis:Get*' has a wildcard"),
    (lambda s: s[1].update(Action="*"), "action '*' has a wildcard"),
    (lambda s: s[1].update(Resource="*"), "'*' names none of the stack's own"),
    (lambda s: s[2].update(Resource=["arn:aws:dynamodb:eu-west-1:123456789012:table/other"]),
     "names none of the stack's own"),
    (lambda s: s[4].update(Resource={"Fn::Sub": "arn:${AWS::Partition}:s3:::*/${ArchiveBucket}"}),
     "has a wildcard before the stack's own name"),
    (lambda s: s[1].update(Resource={"Fn::GetAtt": ["SomeoneElsesStream", "Arn"]}), "not one of the stack's"),
    (lambda s: s.append({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), "NotAction"),
    # the exception for DescribeLogGroups is for that action only
    (lambda s: s[-1].update(Action=["logs:DescribeLogGroups", "logs:DeleteLogGroup"]), "names none of the stack's own"),
])
def test_the_check_refuses_what_is_not_least_privilege(template: dict[str, Any], change, expected: str) -> None:
    broken = copy.deepcopy(template)
    change(_statements(broken))
    found = iam_policy_check.problems(broken)
    assert len(found) == 1 and expected in found[0], found


def test_run_options_are_the_packages(template: dict[str, Any]) -> None:
    groups = _property_groups(template)
    assert groups["kinesis.analytics.flink.run.options"] == RUN_OPTIONS


NO_VALUE = "AWS::NoValue"


def _resolve(value: Any, parameters: dict[str, Any], resources: dict[str, Any] | None = None) -> str:
    """A stand-in for what CloudFormation substitutes (parameters take their defaults; a topic's
    Ref is its ARN), enough for the job to read the groups."""
    if isinstance(value, dict):
        (function, argument), = value.items()
        if function == "Ref" and (resources or {}).get(argument, {}).get("Type") == "AWS::SNS::Topic":
            return f"arn:aws:sns:eu-west-1:123456789012:{argument}"
        if function == "Ref":
            return str(parameters.get(argument, {}).get("Default", argument))
        if function == "Fn::Sub":
            return str(argument).replace("${", "").replace("}", "")
        if function == "Fn::GetAtt":
            return "arn:aws:kinesis:eu-west-1:123456789012:stream/cdr-records"
        if function == "Fn::If":
            return _resolve(argument[2], parameters, resources)
        return str(argument)
    return str(value)


def _property_groups(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    groups = template["Resources"]["Application"]["Properties"]["ApplicationConfiguration"][
        "EnvironmentProperties"]["PropertyGroups"]
    return {group["PropertyGroupId"]: dict(group["PropertyMap"]) for group in groups}


def test_the_job_reads_the_templates_configuration(template: dict[str, Any], tmp_path: Path) -> None:
    parameters = template["Parameters"]
    resources = template["Resources"]
    groups = [{"PropertyGroupId": name,
               "PropertyMap": {key: text for key, value in values.items()
                               if (text := _resolve(value, parameters, resources)) != NO_VALUE}}
              for name, values in _property_groups(template).items()]
    path = tmp_path / "application_properties.json"
    path.write_text(json.dumps(groups))
    config = load_streaming(path)
    assert config.sinks is not None and config.sinks.archive_path.endswith("/cdr")
    assert config.sinks.flink_settings() == {}  # real S3: the job sets nothing on MSF's file system
    assert config.metrics.enabled is False  # Timestream off unless the parameter turns it on
    notifications = config.fraud.notifications  # alerts published to the stack's topic, in its region
    assert notifications is not None and notifications.topic_arn.endswith(":FraudAlertsTopic")
    assert (notifications.region, notifications.dashboard_url) == ("eu-west-1", "")


@pytest.mark.parametrize("resource, table, prefix, template_path", [
    ("ArchiveTable", "cdr_archive", "cdr", "dt=${!dt}/hour=${!hour}"),
    ("FraudTaggedTable", "fraud_tagged_calls", "fraud-tagged", "dt=${!dt}"),
])
def test_the_glue_tables_are_the_jobs(template: dict[str, Any], resource: str, table: str, prefix: str,
                                      template_path: str) -> None:
    declared = template["Resources"][resource]["Properties"]["TableInput"]
    expected = table_input(f"s3://BUCKET/{prefix}", table)
    assert declared["Name"] == table
    assert declared["StorageDescriptor"]["Columns"] == expected["StorageDescriptor"]["Columns"]
    assert declared["PartitionKeys"] == expected["PartitionKeys"]
    parameters = {k: v for k, v in declared["Parameters"].items() if k != "storage.location.template"}
    assert parameters == {k: v for k, v in expected["Parameters"].items() if k != "storage.location.template"}
    assert declared["Parameters"]["storage.location.template"] == \
        {"Fn::Sub": f"s3://${{ArchiveBucket}}/{prefix}/{template_path}"}
