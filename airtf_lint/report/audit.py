"""`airtf-lint audit`: the inventory an auditor asks for, per identity.

For each identity (every principal the Terraform defines, and every identity tasks run as that it does not: static
keys, ARNs or accounts named elsewhere, identities not knowable statically): which DAGs and tasks use it and how
that is known (the resolution and its evidence), what it can do (access levels per service; admin, escalation,
exfiltration and credential-exposure flags), the share of its granted actions that no task needs, its static keys,
where it is defined, and the findings about it or its grants.

Deterministic: everything is sorted and nothing depends on the clock or the machine, so two audits diff cleanly.
"""

from __future__ import annotations

import csv
import html
import json
from typing import Any, TextIO

from airtf_lint.graph import Graph

LEVELS = ("List", "Read", "Write", "Tagging", "Permissions management")


def _where(obj: dict[str, Any] | Any) -> str | None:
    if isinstance(obj, dict) and obj.get("path"):
        return f"{obj['path']}:{obj['line']}" if obj.get("line") else str(obj["path"])
    return None


def _aws_access(principal_id: str, model: dict[str, Any], index: Any) -> dict[str, Any]:
    from airtf_lint.privilege.aws_access import statement_actions

    terraform = model["terraform"]
    statements = [terraform["statements"][i] for i in (terraform.get("statements_by_principal") or {})
                  .get(principal_id, [])]
    granted: set[str] = set()
    flags = {"admin": False, "escalation": [], "exfiltration": [], "credentials_exposure": [],
             "permissions_management": [], "pass_role": False, "resource_star_writes": False}
    every = False
    for statement in statements:
        if statement.get("effect") != "Allow":
            continue
        access = statement.get("access") or {}
        actions, _ = statement_actions(statement, index)
        granted |= actions
        every = every or bool(access.get("all_actions"))
        flags["admin"] = flags["admin"] or bool(access.get("all_actions") or access.get("admin_policy"))
        for key in ("escalation", "exfiltration", "credentials_exposure", "permissions_management"):
            flags[key] += (access.get(key) or {}).get("actions") or []
        flags["pass_role"] = flags["pass_role"] or bool(access.get("pass_role"))
    facts = (model.get("privilege") or {}).get("principals", {}).get(principal_id) or {}
    if facts.get("all_actions"):
        flags["admin"] = True
    flags["escalation"] += [c.get("name") for c in facts.get("escalation_combinations") or [] if c.get("name")]
    for key in ("escalation", "exfiltration", "credentials_exposure", "permissions_management"):
        flags[key] = sorted(set(flags[key]))
    del flags["resource_star_writes"]
    services: dict[str, dict[str, int]] = {}
    if every:
        services["*"] = {level: -1 for level in LEVELS}  # every action of every service
    else:
        for action in sorted(granted):
            level = index.levels.get(action) or "unknown"
            services.setdefault(action.split(":", 1)[0], {}).setdefault(level, 0)
            services[action.split(":", 1)[0]][level] += 1
    return {"granted_actions": len(granted) if not every else None, "all_actions": every,
            "services": {s: {k: v for k, v in sorted(levels.items(), key=lambda kv: _level_rank(kv[0]))}
                         for s, levels in sorted(services.items())}, "flags": flags,
            "statements": [_where(s) for s in statements if _where(s)], "_granted": granted}


def _level_rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _gcp_access(principal_id: str, model: dict[str, Any]) -> dict[str, Any]:
    bindings = [b for b in model["terraform"].get("gcp", {}).get("bindings") or []
                if b.get("member_principal") == principal_id]
    roles = sorted({f"{b.get('role')} on {b.get('level')} {b.get('target')}" for b in bindings})
    dangerous = sorted({p for b in bindings for p in (b.get("role_facts") or {}).get("dangerous_permissions") or []})
    basic = sorted({str(b.get("role")) for b in bindings if (b.get("role_facts") or {}).get("basic")})
    impersonation = sorted({str(b.get("role")) for b in bindings if (b.get("role_facts") or {}).get("impersonation")})
    return {"roles": roles, "flags": {"admin": any(r in ("roles/owner", "roles/editor") for r in basic),
                                      "basic_roles": basic, "dangerous_permissions": dangerous,
                                      "impersonation_roles": impersonation},
            "bindings": sorted({w for b in bindings if (w := _where(b))}), "_count": len(bindings)}


def audit_rows(graph: Graph, model: dict[str, Any]) -> list[dict[str, Any]]:
    from airtf_lint.privilege.aws_actions import action_index

    index = action_index()
    terraform = model.get("terraform") or {}
    privilege = model.get("privilege") or {}
    aws_usage = {i["principal"]: i for i in privilege.get("identities") or []}
    gcp_usage = {i["principal"]: i for i in privilege.get("gcp_identities") or []}
    principals = {p["id"]: p for p in terraform.get("principals") or []}
    keys = [(k.get("user"), k) for k in (terraform.get("aws") or {}).get("access_keys") or []]
    keys += [(k.get("account") or k.get("service_account") or k.get("principal"), k)
             for k in (terraform.get("gcp") or {}).get("keys") or []]
    rows = []
    for node in graph.nodes:
        if node.kind != "principal":
            continue
        model_id = node.id.partition(":")[2] if node.id.startswith("principal:") else None
        p = principals.get(model_id or "")
        usage = graph.usage.get(node.id, [])
        row: dict[str, Any] = {
            "identity": node.id, "name": node.label, "cloud": node.cloud, "kind": node.subkind,
            "defined_at": f"{node.path}:{node.line}" if node.path else None,
            "address": p.get("address") if p else None, "root": p.get("root") if p else None,
            "dags": sorted({u["dag_id"] for u in usage if u["dag_id"]}),
            "tasks": [{"task": u["task"], "resolution": u["resolution"], "via": u["conn_id"] or u["place"],
                       "direct": u["direct"], **({"requires": u["requires"]} if u.get("requires") else {}),
                       "evidence": [f"{s['step']}: {s['detail']}" + (f" ({s['path']}:{s['line']})" if s.get("path")
                                                                     else "") for s in u["evidence"]]}
                      for u in usage],
        }
        row["static_keys"] = sorted({f"{k.get('address')} ({_where(k)})" for owner, k in keys if owner == model_id})
        if node.subkind == "static_key":
            conn = next((graph.by_id[e.source] for e in graph.edges if e.target == node.id), None)
            row["static_keys"] = [f"connection {conn.label}" + (f" ({conn.path}:{conn.line})" if conn.path else "")
                                  if conn else node.label]
        unneeded: dict[str, Any] = {"share": None, "unneeded": None, "granted": None, "why": None}
        if node.cloud == "aws" and p:
            access = _aws_access(model_id, model, index)
            granted = access.pop("_granted")
            usage_facts = aws_usage.get(model_id)
            if access["all_actions"]:
                unneeded["why"] = "grants every action: see the admin flag"
            elif not granted:
                unneeded["why"] = "no known granted action"
            elif usage_facts is None:
                unneeded.update(share=1.0, unneeded=len(granted), granted=len(granted), why="no task runs as it")
            elif not usage_facts.get("needs_known"):
                unneeded["why"] = ("needs unknown for " + ", ".join(usage_facts.get("tasks_with_unknown_needs")
                                                                    or []))
            else:
                needed = set(usage_facts.get("needed_actions") or [])
                extra = granted - needed
                unneeded.update(share=round(len(extra) / len(granted), 3), unneeded=len(extra), granted=len(granted),
                                examples=sorted(extra)[:8])
            row["access"] = access
        elif node.cloud == "gcp" and p:
            access = _gcp_access(model_id, model)
            count = access.pop("_count")
            usage_facts = gcp_usage.get(model_id)
            if not count:
                unneeded["why"] = "no binding"
            elif usage_facts is None:
                unneeded.update(share=1.0, unneeded=count, granted=count, why="no task runs as it")
            elif not usage_facts.get("needs_known"):
                unneeded["why"] = "needs unknown for " + ", ".join(usage_facts.get("tasks_with_unknown_needs") or [])
            else:
                extra = len(usage_facts.get("unused") or [])
                unneeded.update(share=round(extra / count, 3), unneeded=extra, granted=count, unit="bindings")
            row["access"] = access
        else:
            row["access"] = None
            unneeded["why"] = {"static_key": "the key's owner is not in the scanned Terraform",
                               "external": "not defined in the scanned Terraform",
                               "unresolved": "not knowable statically",
                               "kubernetes_service_account": "a Kubernetes account: see the identity it reaches"
                               }.get(node.subkind, "no grants known")
        row["unneeded_grants"] = {k: v for k, v in unneeded.items() if v is not None}
        grant_nodes = [graph.by_id[e.target] for e in graph.edges if e.source == node.id and e.kind == "granted_by"]
        row["grants"] = [{"source": g.label, "kind": g.subkind, "at": f"{g.path}:{g.line}" if g.path else None}
                         for g in grant_nodes]
        reaches = [(e.kind, graph.by_id[e.target].label) for e in graph.edges
                   if e.source == node.id and e.kind in ("irsa", "workload_identity", "pod_identity", "impersonates")]
        if reaches:
            row["reaches"] = [f"{kind}: {label}" for kind, label in reaches]
        holders = [node, *grant_nodes]
        if node.subkind == "static_key":  # the key is written in its connection: its findings are the key's
            holders += [graph.by_id[e.source] for e in graph.edges if e.target == node.id]
        row["findings"] = sorted({(f.severity, f.rule_id, f.message, f"{f.path}:{f.line}")
                                  for n in holders for f in n.findings},
                                 key=lambda t: (-("info", "low", "medium", "high", "critical").index(t[0]), t[1:]))
        row["findings"] = [{"severity": s, "rule_id": r, "message": m, "at": a} for s, r, m, a in row["findings"]]
        rows.append(row)
    rows.sort(key=lambda r: (str(r["cloud"]), r["kind"] == "unresolved", r["name"], r["identity"]))
    return rows


# --- writers ------------------------------------------------------------------------------------------------------


def write_audit_json(rows: list[dict[str, Any]], stream: TextIO) -> None:
    json.dump({"version": 1, "identities": rows}, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _flags(row: dict[str, Any]) -> list[str]:
    flags = ((row.get("access") or {}).get("flags")) or {}
    out = []
    if flags.get("admin"):
        out.append("admin")
    for key, word in (("escalation", "escalation"), ("exfiltration", "exfiltration"),
                      ("credentials_exposure", "credentials exposure"), ("permissions_management", "permissions mgmt"),
                      ("basic_roles", "basic role"), ("dangerous_permissions", "dangerous permissions"),
                      ("impersonation_roles", "impersonation")):
        if flags.get(key):
            out.append(word)
    if flags.get("pass_role"):
        out.append("iam:PassRole")
    if row["static_keys"]:
        out.append("static key")
    return out


def _services(row: dict[str, Any]) -> str:
    access = row.get("access") or {}
    if "roles" in access:
        return "; ".join(access["roles"])
    parts = []
    for service, levels in (access.get("services") or {}).items():
        if service == "*":
            parts.append("every service: every level")
        else:
            parts.append(f"{service}: " + ", ".join(f"{level} {count}" for level, count in levels.items()))
    return "; ".join(parts)


def _share(row: dict[str, Any]) -> str:
    u = row["unneeded_grants"]
    if "share" in u:
        return f"{round(100 * u['share'])}% ({u['unneeded']} of {u['granted']}{' bindings' if u.get('unit') else ''})"
    return f"unknown: {u.get('why')}" if u.get("why") else "-"


CSV_COLUMNS = ("identity", "name", "cloud", "kind", "defined_at", "dags", "tasks", "resolutions", "access",
               "flags", "unneeded_share", "unneeded", "granted", "static_keys", "grants", "findings")


def write_audit_csv(rows: list[dict[str, Any]], stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        u = row["unneeded_grants"]
        writer.writerow([_cell(v) for v in (
            row["identity"], row["name"], row["cloud"] or "", row["kind"], row["defined_at"] or "",
            " ".join(row["dags"]), " ".join(sorted({t["task"] for t in row["tasks"]})),
            " ".join(sorted({str(t["resolution"]) for t in row["tasks"]})), _services(row), " ".join(
                f.replace(" ", "_") for f in _flags(row)),
            "" if "share" not in u else u["share"], u.get("unneeded", ""), u.get("granted", ""),
            "; ".join(row["static_keys"]), "; ".join(g["source"] for g in row["grants"]),
            "; ".join(f"{f['severity']} {f['rule_id']} {f['at']}" for f in row["findings"]))])


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: a leading =, +, -, @ (or tab/CR) is quoted with an apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_MD_SPECIAL = frozenset("\\`*_[]|~<>")


def md(value: Any) -> str:
    """Text safe inside a Markdown table cell or paragraph on GitHub: no HTML, no table, link or emphasis syntax
    (each such character is backslash-escaped; `&` is an entity)."""
    text = " ".join(str(value).split()).replace("&", "&amp;")
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def write_audit_markdown(rows: list[dict[str, Any]], stream: TextIO) -> None:
    out = ["# airtf-lint audit: identities", "",
           f"{len(rows)} identities; {sum(1 for r in rows if r['tasks'])} used by tasks.", "",
           "| identity | cloud | used by | flags | grants no task needs | defined at |", "|---|---|---|---|---|---|"]
    for row in rows:
        used = f"{len({t['task'] for t in row['tasks']})} tasks in {len(row['dags'])} DAGs" if row["tasks"] else "-"
        out.append(f"| {md(row['name'])} | {md(row['cloud'] or '-')} | {used} | {md(', '.join(_flags(row)) or '-')} "
                   f"| {md(_share(row))} | {md(row['defined_at'] or 'not in the scanned Terraform')} |")
    for row in rows:
        out += ["", f"## {md(row['name'])}", "", f"- id: `{row['identity'].replace('`', chr(39))}`",
                f"- kind: {md(row['kind'])} ({md(row['cloud'] or '-')})",
                f"- defined at: {md(row['defined_at'] or 'not in the scanned Terraform')}"]
        if row.get("reaches"):
            out.append(f"- reaches: {md('; '.join(row['reaches']))}")
        out.append(f"- can do: {md(_services(row) or '-')}")
        out.append(f"- flags: {md(', '.join(_flags(row)) or 'none')}")
        out.append(f"- grants no task needs: {md(_share(row))}"
                   + (f" (e.g. {md(', '.join(row['unneeded_grants']['examples']))})"
                      if row["unneeded_grants"].get("examples") else ""))
        if row["static_keys"]:
            out.append(f"- static keys: {md('; '.join(row['static_keys']))}")
        for grant in row["grants"]:
            out.append(f"- granted by: {md(grant['source'])} ({md(grant['kind'])}, {md(grant['at'] or '?')})")
        if row["tasks"]:
            out += ["", "| DAG.task | how | via | evidence |", "|---|---|---|---|"]
            for t in row["tasks"]:
                how = str(t["resolution"]) + ("" if t["direct"] else ", then on") + (
                    f", needs {t['requires']}" if t.get("requires") else "")
                out.append(f"| {md(t['task'])} | {md(how)} | {md(t['via'] or '-')} | "
                           f"{'<br>'.join(md(e) for e in t['evidence'])} |")
        else:
            out += ["", "No task runs as it."]
        if row["findings"]:
            out += ["", "Findings:", ""]
            out += [f"- **{f['severity']}** {md(f['rule_id'])} {md(f['message'])} ({md(f['at'])})"
                    for f in row["findings"]]
    stream.write("\n".join(out) + "\n")


def write_audit_html(rows: list[dict[str, Any]], stream: TextIO) -> None:
    e = lambda v: html.escape(str(v), quote=True)  # noqa: E731
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
           "<title>airtf-lint audit</title><style>body{font-family:system-ui,sans-serif;font-size:13px;margin:16px}"
           "table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #cbd5e1;padding:3px 6px;"
           "vertical-align:top;text-align:left}th{background:#f1f5f9}.flag{color:#b91c1c;font-weight:600}"
           "code{font-size:12px}</style></head><body>",
           f"<h1>airtf-lint audit: {len(rows)} identities</h1>",
           "<table><tr><th>identity</th><th>cloud</th><th>used by</th><th>flags</th><th>grants no task needs</th>"
           "<th>defined at</th></tr>"]
    for i, row in enumerate(rows):
        used = f"{len({t['task'] for t in row['tasks']})} tasks in {len(row['dags'])} DAGs" if row["tasks"] else "-"
        out.append(f'<tr><td><a href="#id{i}">{e(row["name"])}</a></td><td>{e(row["cloud"] or "-")}</td>'
                   f'<td>{e(used)}</td><td class="flag">{e(", ".join(_flags(row)))}</td><td>{e(_share(row))}</td>'
                   f'<td><code>{e(row["defined_at"] or "not in the scanned Terraform")}</code></td></tr>')
    out.append("</table>")
    for i, row in enumerate(rows):
        out.append(f'<h2 id="id{i}">{e(row["name"])}</h2><p><code>{e(row["identity"])}</code></p><ul>')
        for key, value in (("kind", f"{row['kind']} ({row['cloud'] or '-'})"),
                           ("defined at", row["defined_at"] or "not in the scanned Terraform"),
                           ("reaches", "; ".join(row.get("reaches") or [])), ("can do", _services(row)),
                           ("flags", ", ".join(_flags(row)) or "none"), ("grants no task needs", _share(row)),
                           ("static keys", "; ".join(row["static_keys"])),
                           ("granted by", "; ".join(f"{g['source']} ({g['at']})" for g in row["grants"]))):
            if value:
                out.append(f"<li><b>{e(key)}</b>: {e(value)}</li>")
        out.append("</ul>")
        if row["tasks"]:
            out.append("<table><tr><th>DAG.task</th><th>how</th><th>via</th><th>evidence</th></tr>")
            for t in row["tasks"]:
                out.append(f"<tr><td>{e(t['task'])}</td><td>{e(t['resolution'])}</td><td>{e(t['via'] or '-')}</td>"
                           f"<td>{'<br>'.join(e(x) for x in t['evidence'])}</td></tr>")
            out.append("</table>")
        if row["findings"]:
            out.append("<ul>" + "".join(f"<li><b>{e(f['severity'])}</b> {e(f['rule_id'])} {e(f['message'])} "
                                        f"<code>{e(f['at'])}</code></li>" for f in row["findings"]) + "</ul>")
    out.append("</body></html>")
    stream.write("\n".join(out) + "\n")


AUDIT_WRITERS = {"markdown": write_audit_markdown, "csv": write_audit_csv, "json": write_audit_json,
                 "html": write_audit_html}
