"""Print what each Terraform root of some real repositories needs of the identity that runs it, per the mapping
(airtf_lint/data/terraform_needs.yaml), and the resource types the mapping does not know. Used for
docs/terraform_runner.md.

Usage: python benchmarks/terraform_needs_corpus.py REPO_DIR [REPO_DIR ...] [--json]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from airtf_lint.config import load_config  # noqa: E402
from airtf_lint.pipeline import analyse, options_from_config  # noqa: E402
from airtf_lint.privilege.terraform_needs import cloud_of, root_needs  # noqa: E402


def repo_needs(folder: Path) -> dict:
    options = options_from_config(load_config(None, folder), folder.resolve(), ["."])
    model = analyse(options).model
    roots, types, unknown = [], Counter(), Counter()
    for root in model["terraform"]["roots"]:
        needs = root_needs(model, root["dir"])
        aws = sorted({a for r in needs["rows"] if r.get("identity") is None for a in r.get("actions") or []})
        gcp = sorted({p for r in needs["rows"] if r.get("identity") is None for p in r.get("permissions") or []})
        roots.append({"root": root["dir"], "resources": needs["resources"], "known_types": len(needs["types"]),
                      "unknown_types": needs["unknown_types"], "aws_actions": len(aws), "gcp_permissions": len(gcp),
                      "backend": needs["backend"], "becomes": [i["target"] for i in needs["identities"]],
                      "sample": (aws or gcp)[:8]})
    for resource in model["terraform"]["resources"]:
        if resource.get("source") != "hcl" or cloud_of(resource["type"]) is None:
            continue
        key = ("data." if resource["mode"] == "data" else "") + resource["type"]
        types[key] += 1
    from airtf_lint.privilege.terraform_needs import needs_mapping
    mapping = needs_mapping()
    for key in types:
        mode, _, type_ = key.rpartition(".")
        if mapping.entry("data" if mode == "data" else "managed", type_) is None:
            unknown[key] = types[key]
    return {"repo": folder.name, "roots": roots, "types": len(types), "instances": sum(types.values()),
            "unknown": dict(unknown.most_common()),
            "known_instances": sum(types.values()) - sum(unknown.values())}


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    results = [repo_needs(Path(a)) for a in argv if a != "--json"]
    if as_json:
        json.dump(results, sys.stdout, indent=1)
        return 0
    for result in results:
        print(f"== {result['repo']}: {result['types']} types, {result['instances']} resource blocks "
              f"({result['known_instances']} of a known type); unknown: {result['unknown'] or 'none'}")
        for root in result["roots"]:
            print(f"  {root['root']}: {root['resources']} resources, {root['aws_actions']} AWS actions, "
                  f"{root['gcp_permissions']} GCP permissions, backend {root['backend']}, unknown "
                  f"{root['unknown_types'] or '-'}; e.g. {', '.join(root['sample'][:5])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
