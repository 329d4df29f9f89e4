"""`airtf-lint new-rule ID`: a new rule with its unit test and a failing and a passing fixture, ready to edit.

The files follow the built-in pack's layout, so `airtf-lint test DIR` finds everything:
`DIR/<category>/<name>.rego`, `DIR/<category>/<name>_test.rego`, `DIR/fixtures/<ID>/fail/` and `.../pass/`.
The generated rule flags Terraform resources of one type missing a tag, a working example to replace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from airtf_lint.rulepack import CATEGORIES, SEVERITIES

_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")


class ScaffoldError(Exception):
    pass


@dataclass(frozen=True)
class NewRule:
    rule_id: str
    name: str  # file and package name: owner_tag
    category: str
    severity: str
    title: str

    @property
    def package(self) -> str:
        return f"custom.{self.category}.{self.name}"


def rule_name(rule_id: str, title: str | None) -> str:
    base = title or rule_id
    return re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_") or "rule"


def scaffold(directory: Path, rule: NewRule) -> list[Path]:
    if not _ID.match(rule.rule_id):
        raise ScaffoldError(f"rule id {rule.rule_id!r} should look like ACME-TF-001 (upper case, dash-separated)")
    if rule.category not in CATEGORIES:
        raise ScaffoldError(f"category must be one of {', '.join(CATEGORIES)}")
    if rule.severity not in SEVERITIES:
        raise ScaffoldError(f"severity must be one of {', '.join(SEVERITIES)}")
    files = {
        directory / rule.category / f"{rule.name}.rego": _rule(rule),
        directory / rule.category / f"{rule.name}_test.rego": _test(rule),
        directory / "fixtures" / rule.rule_id / "fail" / "main.tf": _tf(tagged=False),
        directory / "fixtures" / rule.rule_id / "fail" / "expected.yaml":
            f"findings:\n  - {{rule_id: {rule.rule_id}, path: main.tf, line: 11}}\n",
        directory / "fixtures" / rule.rule_id / "pass" / "main.tf": _tf(tagged=True),
        directory / "fixtures" / rule.rule_id / "pass" / "expected.yaml": "findings: []\n",
    }
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise ScaffoldError(f"would overwrite {', '.join(existing)}")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return list(files)


def _rule(rule: NewRule) -> str:
    return f"""# METADATA
# title: {json.dumps(rule.title)}
# description: |
#   What the rule flags and why it matters. This example flags S3 buckets without an `owner` tag:
#   replace it with your own convention (`airtf-lint input .` prints the model you can query).
# custom:
#   id: {rule.rule_id}
#   severity: {rule.severity}
#   category: {rule.category}
#   remediation: Say how to fix it, e.g. add tags = {{ owner = "team-name" }} to the bucket.
package {rule.package}

import data.airtf.lib

deny contains result if {{
	some position in object.get(input.terraform.resources_by_type, "aws_s3_bucket", [])
	bucket := input.terraform.resources[position]
	not bucket.values.tags.owner
	msg := sprintf("bucket %s has no owner tag", [bucket.address])
	result := lib.finding(msg, bucket)
}}
"""


def _test(rule: NewRule) -> str:
    return f"""package {rule.package}_test

import data.{rule.package}

bucket(tags) := {{"address": "aws_s3_bucket.logs", "values": {{"tags": tags}}, "path": "main.tf", "line": 11}}

model(tags) := {{"terraform": {{"resources": [bucket(tags)], "resources_by_type": {{"aws_s3_bucket": [0]}}}}}}

test_a_bucket_without_an_owner_is_flagged if {{
	results := {rule.name}.deny with input as model({{}})
	count(results) == 1
}}

test_a_bucket_with_an_owner_passes if {{
	count({rule.name}.deny) == 0 with input as model({{"owner": "data"}})
}}
"""


def _tf(tagged: bool) -> str:
    tags = '\n  tags = {\n    owner = "data-platform"\n  }\n' if tagged else "\n"
    return f"""terraform {{
  backend "s3" {{
    bucket       = "acme-tfstate"
    key          = "logs/terraform.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }}
}}

# The rule's example: every bucket names its owning team.
resource "aws_s3_bucket" "logs" {{
  bucket = "acme-logs"{tags}}}
"""
