"""`airtf-lint suggest`: per identity, the least-privilege policy its tasks need, as HCL to paste (and JSON)."""

from __future__ import annotations

import json
from typing import TextIO

from airtf_lint.privilege.suggest import Suggestion


def write_suggestions(items: list[Suggestion], stream: TextIO, output_format: str) -> None:
    if output_format == "json":
        json.dump([s.to_dict() for s in items], stream, indent=2)
        stream.write("\n")
        return
    if not items:
        stream.write("No task runs as an identity airtf-lint could resolve: nothing to suggest.\n")
        return
    for item in items:
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
