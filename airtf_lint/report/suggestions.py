"""`airtf-lint suggest`: per identity, the least-privilege policy its tasks need, as HCL to paste (and JSON)."""

from __future__ import annotations

import json
from typing import TextIO

from airtf_lint.privilege.suggest import RunnerSuggestion, Suggestion


def write_suggestions(items: list[Suggestion | RunnerSuggestion], stream: TextIO, output_format: str) -> None:
    if output_format == "json":
        json.dump([s.to_dict() for s in items], stream, indent=2)
        stream.write("\n")
        return
    if not items:
        stream.write("No task runs as an identity airtf-lint could resolve: nothing to suggest.\n")
        return
    for item in items:
        if isinstance(item, RunnerSuggestion):
            _write_runner(item, stream)
            continue
        stream.write(f"# {item.principal} ({item.cloud}), for {len(item.tasks)} tasks: {', '.join(item.tasks)}\n")
        if item.incomplete:
            stream.write(f"# not covered: what {', '.join(item.incomplete)} call is not fully known "
                         "(a hook in task code, or an operator outside the catalogue)\n")
        if item.cloud == "aws":
            stream.write(item.hcl() + "\n\n")
            continue
        for role in item.roles:
            stream.write(f"#   {role['role']} on {role['resource']}  ({', '.join(role['permissions'])})\n")
        stream.write("\n")


def _write_runner(item: RunnerSuggestion, stream: TextIO) -> None:
    target = f"the plan {item.plan}" if item.plan else f"root {item.root}"
    stream.write(f"# Terraform runner {item.principal} ({item.cloud}) for {target}, run by {', '.join(item.tasks)}:\n"
                 "# a read-only identity for `terraform plan` (_plan) and one for apply (_apply); the state backend's\n"
                 "# permissions are scoped to the state key\n")
    if item.incomplete:
        stream.write(f"# not covered: what these resource types need is not in the mapping: {', '.join(item.incomplete)}\n")
    for identity in item.becomes:
        stream.write(f"# the provider / backend becomes {identity['target']} ({identity['kind']}): the resources' "
                     "permissions belong to that identity, the runner needs only to become it\n")
    stream.write(item.hcl() + "\n\n")
