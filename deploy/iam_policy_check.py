"""Least privilege, checked: every Allow statement of every IAM policy in a CloudFormation
template names its actions exactly and scopes its resources to the stack's own.

    python -m deploy.iam_policy_check deploy/kinesis-analytics/template.yaml

Refused: an action with a wildcard ('*', 's3:*', 'dynamodb:Get*'); a resource '*' or any
literal ARN; a wildcard that does not follow one of the stack's own resources or parameters
('${Bucket.Arn}/cdr/*' is scoped, 'arn:aws:s3:::*' is not). Two actions AWS authorises only
on broad resources are allowed there, and only there (WILDCARD_ONLY). Exit 1 on any problem.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

# Actions without resource-level permissions: AWS requires these resource patterns.
WILDCARD_ONLY = {
    "timestream:DescribeEndpoints": "*",
    "logs:DescribeLogGroups": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
}
_SUB_REFERENCE = re.compile(r"\$\{([A-Za-z0-9:.]+)\}")


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    if matches or template is None:
        raise ValueError(f"{path}: cannot read the template: {matches}")
    return dict(template)


def _policies(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield from _branches(f"{name}/{_name(policy)}", policy)
        elif resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield name, {"PolicyDocument": properties.get("PolicyDocument", {})}


def _name(policy: Any) -> str:
    return policy.get("PolicyName", "?") if isinstance(policy, dict) else "conditional"


def _branches(where: str, policy: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """A policy, or each branch of an Fn::If that chooses one (AWS::NoValue left out)."""
    if isinstance(policy, dict) and "Fn::If" in policy:
        for branch in policy["Fn::If"][1:]:
            yield from _branches(where, branch)
    elif isinstance(policy, dict) and "PolicyDocument" in policy:
        yield f"{where.rsplit('/', 1)[0]}/{policy.get('PolicyName', '?')}", policy


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resource_problem(resource: Any, actions: list[str], own: set[str]) -> str | None:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        target = target[0] if isinstance(target, list) else str(target).split(".")[0]
        return None if target in own else f"GetAtt of {target}, not one of the stack's resources"
    if isinstance(resource, dict) and "Ref" in resource:
        return None if resource["Ref"] in own else f"Ref to {resource['Ref']}, not one of the stack's resources"
    text = resource["Fn::Sub"] if isinstance(resource, dict) and "Fn::Sub" in resource else resource
    if not isinstance(text, str):
        return f"a resource the check cannot read: {resource!r}"
    if all(WILDCARD_ONLY.get(action) == text for action in actions):
        return None
    references = [m for m in _SUB_REFERENCE.finditer(text) if m.group(1).split(".")[0] in own]
    if not references:
        return f"{text!r} names none of the stack's own resources or parameters"
    if "*" in text[:references[0].end()]:
        return f"{text!r} has a wildcard before the stack's own name"
    return None


def problems(template: dict[str, Any]) -> list[str]:
    """Every way the template's Allow statements reach beyond what they must; [] when none."""
    own = set(template.get("Resources", {})) | set(template.get("Parameters", {}))
    found = []
    for where, policy in _policies(template):
        for index, statement in enumerate(_listed(policy["PolicyDocument"].get("Statement", []))):
            label = f"{where} statement {statement.get('Sid', index)}"
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement or "NotResource" in statement:
                found.append(f"{label}: NotAction/NotResource grants everything else")
                continue
            actions = [str(action) for action in _listed(statement.get("Action", []))]
            found += [f"{label}: action {action!r} has a wildcard" for action in actions if "*" in action]
            for resource in _listed(statement.get("Resource", [])):
                problem = _resource_problem(resource, actions, own)
                if problem:
                    found.append(f"{label}: {problem}")
    return found


def main(argv: list[str] | None = None) -> int:
    paths = [Path(arg) for arg in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        print("usage: python -m deploy.iam_policy_check TEMPLATE...", file=sys.stderr)
        return 2
    found = [f"{path}: {problem}" for path in paths for problem in problems(load(path))]
    print("\n".join(found) if found else f"least privilege: {', '.join(map(str, paths))} ok")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
