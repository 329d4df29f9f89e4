"""The identity graph: DAG → task → connection → principal → grant source, with Terraform runs and findings.

Built once from the model (and a run's findings); every writer (`airtf_lint/report/graph_*.py`) only draws it.
Node ids are readable and deterministic (`task:etl_daily.copy_raw`, `principal:<model id>`), nodes and edges come
out in a fixed order (by layer, then id), so two graphs of the same repository are equal and their outputs diff.

Edges point the way control flows: a DAG contains its tasks, a task uses a connection, a connection resolves to (or
assumes) a principal, a Kubernetes service account reaches a cloud principal by IRSA / Workload Identity / EKS Pod
Identity, a Google account impersonates another, a principal is granted by a policy or binding, and a task runs
Terraform in a root module. Findings are attached to the node whose source span holds them most tightly.

Labels come from the model, where secrets are already masked (connection definitions keep only the names of secret
fields; Terraform command arguments are masked): nothing here reads a file.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from airtf_lint.rulepack import SEVERITIES

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

# Node kinds, in the order of the layered drawing (principals may take several layers: a Kubernetes service
# account before the cloud role it reaches).
KINDS = ("dag", "task", "connection", "runtime", "terraform", "principal", "grant")
KIND_TITLES = {"dag": "DAG", "task": "task", "connection": "connection", "runtime": "where code runs",
               "terraform": "Terraform root", "principal": "principal", "grant": "grant source"}
# Evidence steps that name the place whose ambient identity a task without a connection gets.
RUNTIME_STEPS = {"mwaa": "MWAA", "composer": "Composer", "helm": "Helm values", "environment": "configuration",
                 "ambient": "identity unknown", "triggerer": "triggerer"}
EDGE_LABELS = {
    "contains": "contains", "uses": "uses", "resolves_to": "resolves to", "assumes": "assumes",
    "impersonates": "impersonates", "irsa": "IRSA", "workload_identity": "Workload Identity",
    "pod_identity": "EKS Pod Identity", "granted_by": "granted by", "runs_terraform_in": "runs Terraform in",
    "passes_role": "hands its job to", "runs_on": "runs on",
}


@dataclass
class GraphFinding:
    rule_id: str
    severity: str
    category: str
    message: str
    path: str
    line: int
    new: bool = False  # --diff: a finding this change causes (caused_by is set)


@dataclass
class Node:
    id: str
    kind: str
    label: str
    subkind: str = ""  # principal: role, user, service_account, kubernetes_service_account, static_key, external...
    cloud: str | None = None
    group: str | None = None  # a task's DAG id
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # shown on click: what the model says about it
    findings: list[GraphFinding] = field(default_factory=list)
    layer: int = 0

    @property
    def severity(self) -> str | None:
        return max((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__, default=None)

    @property
    def sublabel(self) -> str:
        """The second line of a drawn node: what kind of thing it is and where it lives."""
        d = self.details
        if self.kind == "dag":
            return "DAG" + (f" · {d['schedule']}" if d.get("schedule") else "")
        if self.kind == "task":
            return str(d.get("operator") or "task")
        if self.kind == "connection":
            return "defined nowhere" if self.subkind == "undefined" else f"connection · {self.subkind}"
        if self.kind == "runtime":
            return str(d.get("how") or "ambient identity")
        if self.kind == "terraform":
            return "Terraform root" + (f" · backend {d['backend']}" if d.get("backend") else " · no backend")
        if self.kind == "principal":
            kind = {"kubernetes_service_account": "Kubernetes SA", "service_account": "service account",
                    "static_key": "static key", "external": "not in Terraform",
                    "unresolved": "not known statically"}.get(self.subkind, self.subkind)
            where = "/".join(str(d.get("root") or "").split("/")[-2:])
            return " · ".join(x for x in (self.cloud if self.cloud != "kubernetes" else "", kind, where) if x)
        if self.kind == "grant":
            kind = {"inline": "inline policy", "managed": "managed policy", "aws_managed": "AWS managed policy",
                    "binding": "IAM binding"}.get(self.subkind, self.subkind or "grant")
            module = ".".join(str(d.get("address") or "").split(".")[:-2])
            return kind + (f" · {module}" if module and self.subkind == "inline" else "")
        return self.kind

    @property
    def short_id(self) -> str:
        """A syntax-safe id for Mermaid and DOT: stable across runs, independent of the other nodes."""
        return "n" + hashlib.sha1(self.id.encode("utf-8")).hexdigest()[:10]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["severity"] = self.severity
        out["sublabel"] = self.sublabel
        return out


@dataclass
class Edge:
    source: str
    target: str
    kind: str
    label: str = ""
    evidence: list[dict[str, Any]] = field(default_factory=list)  # the steps that establish it, with locations

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    unattached: list[GraphFinding] = field(default_factory=list)  # findings about nothing on the graph
    focus: list[str] = field(default_factory=list)
    # principal node id -> how each task reaches it: {task, dag_id, resolution, conn_id, place, job, evidence}
    usage: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {n.id: n for n in self.nodes}

    def node(self, node_id: str) -> Node:
        return self.by_id[node_id]

    @property
    def findings(self) -> list[GraphFinding]:
        return [f for n in self.nodes for f in n.findings] + self.unattached

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "focus": self.focus, "nodes": [n.to_dict() for n in self.nodes],
                "edges": [e.to_dict() for e in self.edges],
                "unattached_findings": [asdict(f) for f in self.unattached]}

    # --- cutting it down -------------------------------------------------------------------------------------------

    def reach(self, start: Iterable[str], depth: int | None = None, contains_up: bool = True) -> set[str]:
        """The start nodes, what leads to them (upstream) and what they lead to (downstream), each direction
        followed on its own for at most `depth` edges: a principal's graph has its tasks and their DAGs, not the
        other tasks of those DAGs."""
        out: dict[str, list[str]] = {}
        into: dict[str, list[str]] = {}
        for e in self.edges:
            out.setdefault(e.source, []).append(e.target)
            into.setdefault(e.target, []).append(e.source)
        kept = set(start)
        for neighbours in (out, into):
            queue = deque((s, 0) for s in start)
            seen = set(start)
            while queue:
                current, distance = queue.popleft()
                if depth is not None and distance >= depth:
                    continue
                for nxt in neighbours.get(current, ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append((nxt, distance + 1))
            kept |= seen
        if contains_up:  # a task kept without its DAG would float: keep the DAG box it is drawn in
            kept |= {f"dag:{self.by_id[n].group}" for n in kept
                     if self.by_id[n].kind == "task" and f"dag:{self.by_id[n].group}" in self.by_id}
        return kept

    def subgraph(self, keep: set[str], focus: Sequence[str] = ()) -> Graph:
        nodes = [n for n in self.nodes if n.id in keep]
        edges = [e for e in self.edges if e.source in keep and e.target in keep]
        return Graph(nodes, edges, [] if keep != set(self.by_id) else list(self.unattached), list(focus),
                     {k: v for k, v in self.usage.items() if k in keep})

    def match(self, query: str) -> list[str]:
        """Nodes a --focus value names: a node id, a DAG id, `dag.task`, a connection id, a principal's model id,
        address, name, e-mail or ARN, a grant's address; then any node whose label or id ends with it."""
        exact = [n.id for n in self.nodes if query in (n.id, n.label, n.id.partition(":")[2])
                 or query in n.details.get("aliases", ())]
        if exact:
            return exact
        return [n.id for n in self.nodes if n.id.endswith(query) or n.label.endswith(query)]

    def focused(self, queries: Sequence[str], depth: int | None = None) -> Graph:
        start: list[str] = []
        for query in queries:
            found = self.match(query)
            if not found:
                raise LookupError(query)
            start += [f for f in found if f not in start]
        return self.subgraph(self.reach(start, depth), start)


# --- building ---------------------------------------------------------------------------------------------------


def _loc(obj: Any) -> tuple[str | None, int | None, int | None]:
    if not isinstance(obj, dict):
        return None, None, None
    path, line = obj.get("path"), obj.get("line")
    line = line if isinstance(line, int) else None
    end = obj.get("end_line") if isinstance(obj.get("end_line"), int) else line
    return (path if isinstance(path, str) else None), line, end


def _steps(evidence: Any) -> list[dict[str, Any]]:
    return [{k: s.get(k) for k in ("step", "detail", "path", "line")} for s in evidence or [] if isinstance(s, dict)]


class _Builder:
    def __init__(self, model: dict[str, Any]) -> None:
        self.model = model
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str, str], Edge] = {}
        self.spans: list[tuple[str, int, int, str]] = []  # (path, start, end, node id): where findings attach
        self.files: dict[str, list[str]] = {}  # path -> nodes a file-level finding there is about
        self.usage: dict[str, list[dict[str, Any]]] = {}
        terraform = model.get("terraform") or {}
        self.principals = {p["id"]: p for p in terraform.get("principals") or [] if isinstance(p, dict)}

    def add(self, node: Node, aliases: Iterable[Any] = ()) -> Node:
        if node.id in self.nodes:
            return self.nodes[node.id]
        aliases = sorted({a for a in aliases if isinstance(a, str) and a and a != node.label})
        if aliases:
            node.details["aliases"] = aliases
        self.nodes[node.id] = node
        if node.path and node.line:
            self.spans.append((node.path, node.line, node.end_line or node.line, node.id))
        return node

    def span(self, node_id: str, obj: Any) -> None:
        path, line, end = _loc(obj)
        if path and line:
            self.spans.append((path, line, end or line, node_id))

    def edge(self, source: str, target: str, kind: str, label: str = "", evidence: Any = ()) -> None:
        key = (source, target, kind)
        if source == target:
            return
        if key not in self.edges:
            self.edges[key] = Edge(source, target, kind, label or EDGE_LABELS[kind], list(evidence))
        elif label and label not in self.edges[key].label.split(" / "):
            self.edges[key].label += f" / {label}"

    # nodes

    def principal(self, principal_id: str) -> str:
        p = self.principals.get(principal_id)
        node_id = f"principal:{principal_id}"
        if p is None:
            return self.add(Node(node_id, "principal", principal_id, "external")).id
        cloud = p.get("cloud")
        subkind = "kubernetes_service_account" if cloud == "kubernetes" else str(p.get("kind") or p.get("type"))
        name = p.get("name") or p.get("address") or principal_id
        if cloud == "kubernetes" and p.get("namespace"):
            name = f"{p['namespace']}/{name}"
        details = {"type": p.get("type"), "address": p.get("address"), "root": p.get("root"),
                   "source": p.get("source")}
        for key in ("email", "namespace", "irsa_role_arn", "gcp_service_account_value"):
            if p.get(key):
                details[key] = p[key]
        path, line, end = _loc(p)
        return self.add(Node(node_id, "principal", str(name), subkind, cloud, None, path, line, end,
                             {k: v for k, v in details.items() if v is not None}),
                        aliases=[principal_id, p.get("address"), p.get("name"), p.get("email"), p.get("arn")]).id

    def outside(self, identity: dict[str, Any], task_name: str) -> str:
        """An identity the repository's Terraform does not define: a static key, an ARN or account it names, or
        one that cannot be known statically."""
        cloud = identity.get("cloud")
        reference = identity.get("reference")
        if identity.get("static_credentials"):
            owner = identity.get("conn_id") or task_name
            return self.add(Node(f"key:{owner}", "principal", f"{reference or 'static key'} ({owner})",
                                 "static_key", cloud, details={"reference": reference})).id
        if identity.get("resolution") == "unresolved" or not isinstance(reference, str) or not reference:
            return self.add(Node(f"unresolved:{cloud or 'unknown'}", "principal",
                                 f"unresolved {cloud or ''} identity".replace("  ", " "), "unresolved", cloud)).id
        subkind = "kubernetes_service_account" if cloud == "kubernetes" else "external"
        return self.add(Node(f"ref:{cloud}:{reference}", "principal", reference, subkind, cloud,
                             details={"defined": "not in the scanned Terraform"})).id

    def connection(self, conn_id: str) -> str:
        node_id = f"conn:{conn_id}"
        if node_id in self.nodes:
            return node_id
        definitions = [c for c in (self.model.get("airflow") or {}).get("connections") or []
                       if isinstance(c, dict) and c.get("conn_id") == conn_id]
        if not definitions:
            return self.add(Node(node_id, "connection", conn_id, "undefined",
                                 details={"defined": "nowhere in the scanned files"})).id
        first = definitions[0]
        definition = first.get("definition") or {}
        details = {"conn_type": definition.get("conn_type"), "source": first.get("source"),
                   "static_credentials": definition.get("static_credentials"),
                   "secret_fields": definition.get("secret_extras") or None,
                   "extra": {k: v for k, v in (definition.get("extra") or {}).items()
                             if isinstance(v, (str, int, bool, list))} or None,
                   "definitions": [f"{c.get('path')}:{c.get('line')}" for c in definitions]}
        path, line, end = _loc(first)
        node = self.add(Node(node_id, "connection", conn_id, str(first.get("source") or ""), None, None, path,
                             line, end, {k: v for k, v in details.items() if v}))
        for other in definitions[1:]:
            self.span(node.id, other)
        return node.id

    def terraform_root(self, root: str) -> str:
        node_id = f"tf:{root}"
        if node_id not in self.nodes:
            self.add(Node(node_id, "terraform", root, details={"backend": None}))
            self.files.setdefault(f"dir:{root}", []).append(node_id)
        return node_id

    # the chain of one identity

    def identity(self, start: str, identity: dict[str, Any], task_name: str, job: bool = False) -> None:
        evidence = _steps(identity.get("evidence"))
        conn_id = identity.get("conn_id")
        current = start
        pending: list[dict[str, Any]] = []
        if conn_id and not job:
            conn = self.connection(conn_id)
            head = [s for s in evidence if s["step"] in ("task", "connection")][:2]
            self.edge(start, conn, "uses", str(identity.get("parameter") or "uses"), head)
            current = conn
        resolution = identity.get("resolution")
        if not conn_id and not job and resolution == "ambient":
            place = str(identity.get("place") or "worker")
            step = next((s for s in evidence if s["step"] in RUNTIME_STEPS), None)
            if step is not None and not (place == "pod" and step["step"] == "helm"):
                how = RUNTIME_STEPS[step["step"]]
                runtime = self.add(Node(f"runtime:{place}:{step['step']}:{step['path']}:{step['line']}", "runtime",
                                        f"{place} · {how}", step["step"], identity.get("cloud"), None, step["path"],
                                        step["line"], step["line"], {"how": str(step["detail"]), "place": place}))
                self.edge(start, runtime.id, "runs_on", place,
                          [s for s in evidence if s["step"] == "task"][:1])
                current = runtime.id
        chain: list[tuple[str, list[dict[str, Any]]]] = []
        for step in identity.get("evidence") or []:
            if not isinstance(step, dict) or step.get("step") == "task" and current != start:
                continue  # the task's own line is the evidence of its `uses` edge
            if step.get("principal"):
                if step["principal"] not in [c for c, _ in chain]:
                    chain.append((step["principal"], pending))
                pending = []
            else:
                pending.append({k: step.get(k) for k in ("step", "detail", "path", "line")})
        final = identity.get("principal")
        if final and final not in [c for c, _ in chain]:
            chain.append((final, pending))
            pending = []
        if not chain:
            chain.append(("", pending))
        for index, (principal_id, steps) in enumerate(chain):
            target = self.principal(principal_id) if principal_id else self.outside(identity, task_name)
            details = " ".join(str(s.get("detail") or "") for s in steps)
            if job:
                kind, label = "passes_role", f"{identity.get('service') or 'job'} job ({identity.get('requires')})"
            elif "IRSA" in details:
                kind, label = "irsa", ""
            elif "Workload Identity" in details:
                kind, label = "workload_identity", ""
            elif "Pod Identity" in details:
                kind, label = "pod_identity", ""
            elif "impersonat" in details and index == len(chain) - 1 and resolution == "impersonation" \
                    or any(s.get("step") == "impersonation" for s in steps):
                kind, label = "impersonates", ""
            elif resolution == "connection" and current.startswith("conn:") and index == 0 and \
                    "role_arn" in str(self.nodes[current].details.get("extra") or {}):
                kind, label = "assumes", "assumes (role_arn)"
            elif resolution == "ambient" and index == 0 and current.startswith("runtime:"):
                kind, label = "resolves_to", "ambient identity"
            elif resolution == "ambient" and index == 0:
                place = identity.get("place") or "worker"
                how = next((s["step"] for s in steps if s.get("step") not in ("task", "connection")), None)
                kind, label = "resolves_to", f"ambient ({place}{', ' + how if how and how != place else ''})"
            else:
                kind, label = "resolves_to", str(resolution or "")
            if resolution == "unresolved" and not principal_id:
                label = "unresolved"
            self.edge(current, target, kind, label, steps)
            current = target
            self.usage.setdefault(target, []).append({
                "task": task_name, "dag_id": self.nodes[start].group, "resolution": resolution,
                "conn_id": conn_id, "place": identity.get("place"), "job": job,
                "direct": index == len(chain) - 1, "requires": identity.get("requires"),
                "evidence": _steps(identity.get("evidence"))})

    # grants

    def grants(self) -> None:
        terraform = self.model.get("terraform") or {}
        statements_of: dict[int, list[dict[str, Any]]] = {}
        for statement in terraform.get("statements") or []:
            if isinstance(statement, dict) and isinstance(statement.get("grant"), int):
                statements_of.setdefault(statement["grant"], []).append(statement)
        for index, grant in enumerate(terraform.get("grants") or []):
            if not isinstance(grant, dict) or grant.get("principal") not in self.principals:
                continue
            principal = self.principal(grant["principal"])
            kind = grant.get("kind")
            policy = grant.get("policy") or grant.get("policy_arn")
            if kind == "inline" or not policy:
                node_id = f"grant:{grant['principal']}:{grant.get('address')}"
                label = ".".join(str(grant.get("address")).split(".")[-2:])
            elif kind == "aws_managed":
                node_id, label = f"policy:{policy}", f"AWS managed: {str(policy).rsplit('/', 1)[-1]}"
            else:
                node_id = f"policy:{policy}"
                label = str(policy).rsplit(":", 1)[-1]
            statements = statements_of.get(index, [])
            actions = sorted({a for s in statements for a in s.get("actions") or [] if isinstance(a, str)})
            path, line, end = _loc(grant)
            node = self.add(Node(node_id, "grant", label, str(kind or ""), "aws", None, path, line, end,
                                 {"address": grant.get("address"), "known": grant.get("known"),
                                  "policy": grant.get("policy_arn") or grant.get("policy"),
                                  "actions": actions[:40] + (["..."] if len(actions) > 40 else [])}),
                            aliases=[grant.get("address")])
            for statement in statements:
                self.span(node.id, statement)
            self.span(node.id, grant)
            self.edge(principal, node.id, "granted_by", {"inline": "inline policy", "managed": "attached",
                                                          "aws_managed": "attached"}.get(str(kind), "granted by"),
                      [{"step": "grant", "detail": str(grant.get("address")), "path": path, "line": line}])
        for binding in (terraform.get("gcp") or {}).get("bindings") or []:
            if not isinstance(binding, dict) or binding.get("member_principal") not in self.principals:
                continue
            principal = self.principal(binding["member_principal"])
            role = binding.get("role")
            where = f"{binding.get('level')} {binding.get('target')}"
            node_id = f"binding:{binding.get('address')}:{role}"
            path, line, end = _loc(binding)
            facts = binding.get("role_facts") or {}
            node = self.add(Node(node_id, "grant", f"{role} on {where}", "binding", "gcp", None, path, line, end,
                                 {"address": binding.get("address"), "role": role, "level": binding.get("level"),
                                  "target": binding.get("target"), "condition": binding.get("condition"),
                                  "basic_role": facts.get("basic") or None,
                                  "dangerous_permissions": facts.get("dangerous_permissions") or None}),
                            aliases=[binding.get("address")])
            self.edge(principal, node.id, "granted_by", "binding",
                      [{"step": "binding", "detail": str(binding.get("address")), "path": path, "line": line}])

    def links(self) -> None:
        """Links Terraform states between principals, whether or not a task uses them."""
        terraform = self.model.get("terraform") or {}
        for p in self.principals.values():
            if p.get("cloud") != "kubernetes":
                continue
            for key, kind in (("irsa_role", "irsa"), ("gcp_service_account", "workload_identity")):
                if p.get(key) in self.principals:
                    self.edge(self.principal(p["id"]), self.principal(p[key]), kind, "",
                              [{"step": "binding", "detail": f"annotation on {p.get('address')}",
                                "path": p.get("path"), "line": p.get("line")}])
        accounts = {(p.get("namespace"), p.get("name")): p["id"] for p in self.principals.values()
                    if p.get("cloud") == "kubernetes"}
        for association in (terraform.get("kubernetes") or {}).get("pod_identity_associations") or []:
            ksa = accounts.get((association.get("namespace"), association.get("service_account")))
            if ksa and association.get("role") in self.principals:
                self.edge(self.principal(ksa), self.principal(association["role"]), "pod_identity", "",
                          [{"step": "binding", "detail": str(association.get("address")),
                            "path": association.get("path"), "line": association.get("line")}])
        for binding in (terraform.get("gcp") or {}).get("workload_identity") or []:
            ksa = accounts.get((binding.get("namespace"), binding.get("kubernetes_service_account")))
            target = binding.get("google_service_account") or binding.get("service_account")
            if ksa and target in self.principals:
                self.edge(self.principal(ksa), self.principal(target), "workload_identity", "",
                          [{"step": "binding", "detail": str(binding.get("address")), "path": binding.get("path"),
                            "line": binding.get("line")}])

    def build(self) -> None:
        airflow = self.model.get("airflow") or {}
        terraform = self.model.get("terraform") or {}
        for dag in airflow.get("dags") or []:
            if isinstance(dag, dict) and dag.get("dag_id") is not None:
                path, line, end = _loc(dag)
                schedule = (dag.get("schedule") or {}).get("value") if isinstance(dag.get("schedule"), dict) else None
                self.add(Node(f"dag:{dag['dag_id']}", "dag", str(dag["dag_id"]), "", None, None, path, line, end,
                              {"schedule": schedule} if isinstance(schedule, str) else {}))
                if path:
                    self.files.setdefault(path, []).append(f"dag:{dag['dag_id']}")
        for root in terraform.get("roots") or []:
            if isinstance(root, dict) and root.get("dir"):
                node = self.nodes.get(f"tf:{root['dir']}") or self.nodes[self.terraform_root(root["dir"])]
                backend = root.get("backend") or {}
                node.details["backend"] = backend.get("type") if isinstance(backend, dict) else None
                node.path, node.line, node.end_line = _loc(root)
                self.span(node.id, backend)
        for task in airflow.get("tasks") or []:
            if not isinstance(task, dict):
                continue
            name = f"{task.get('dag_id')}.{task.get('task_id')}"
            path, line, end = _loc(task)
            dag_id = f"dag:{task.get('dag_id')}"
            if dag_id not in self.nodes:
                self.add(Node(dag_id, "dag", str(task.get("dag_id")), "", None, None, None, None, None))
            node = self.add(Node(f"task:{name}", "task", str(task.get("task_id")), str(task.get("operator") or ""),
                                 None, str(task.get("dag_id")), path, line, end,
                                 {"operator": task.get("operator") or task.get("class"), "runs_in": task.get("runs_in"),
                                  "dag_id": task.get("dag_id")}), aliases=[name])
            self.edge(dag_id, node.id, "contains", "contains")
            for identity in task.get("identities") or []:
                if isinstance(identity, dict):
                    self.identity(node.id, identity, name)
            for identity in task.get("job_identities") or []:
                if isinstance(identity, dict):
                    self.identity(node.id, identity, name, job=True)
            for run in task.get("terraform_runs") or []:
                if not isinstance(run, dict):
                    continue
                where = run.get("root") or run.get("directory") or "(unknown directory)"
                target = self.terraform_root(str(where))
                command = " ".join([str(run.get("tool") or "terraform"), str(run.get("subcommand") or ""),
                                    *[str(a) for a in run.get("args") or []]]).strip()
                self.edge(node.id, target, "runs_terraform_in", command,
                          [{"step": "terraform", "detail": command, "path": run.get("path"), "line": run.get("line")}])
        for conn in airflow.get("connections") or []:  # a connection no task uses still holds its findings
            if isinstance(conn, dict) and isinstance(conn.get("conn_id"), str):
                self.connection(conn["conn_id"])
        for principal_id in sorted(self.principals):
            self.principal(principal_id)
        self.links()
        self.grants()

    # findings

    def attach(self, findings: Iterable[Any]) -> list[GraphFinding]:
        unattached = []
        roots = sorted((n.id[3:] for n in self.nodes.values() if n.kind == "terraform"), key=len, reverse=True)
        for f in findings:
            item = GraphFinding(f.rule_id, f.severity, f.category, f.message, f.path, f.line, bool(f.caused_by))
            holders = [(end - start, node) for path, start, end, node in self.spans
                       if path == f.path and start <= f.line <= end]
            if holders:
                tightest = min(size for size, _ in holders)
                targets = sorted({node for size, node in holders if size == tightest})
            else:
                targets = sorted(set(self.files.get(f.path, [])))
                if not targets:
                    root = next((r for r in roots if f.path.startswith(r.rstrip("/") + "/") or r == "."), None)
                    targets = [f"tf:{root}"] if root is not None else []
            for target in targets:
                node = self.nodes[target]
                if item not in node.findings:
                    node.findings.append(item)
            if not targets:
                unattached.append(item)
        return unattached


def _layers(nodes: dict[str, Node], edges: Sequence[Edge]) -> None:
    """Columns for the layered drawing: DAG 0, task 1, connection and Terraform root 2, principals from 3 (a
    principal another principal leads to sits right of it), grant sources right of every principal."""
    base = {"dag": 0, "task": 1, "connection": 2, "runtime": 2, "terraform": 2, "principal": 3}
    for node in nodes.values():
        node.layer = base.get(node.kind, 3)
    principal_edges = [e for e in edges if nodes[e.source].kind == "principal" and nodes[e.target].kind == "principal"]
    for _ in range(len(nodes)):  # longest path; a cycle (A impersonates B impersonates A) stops at the bound
        changed = False
        for e in principal_edges:
            if nodes[e.target].layer < nodes[e.source].layer + 1 and nodes[e.target].layer < 3 + 8:
                nodes[e.target].layer = nodes[e.source].layer + 1
                changed = True
        if not changed:
            break
    top = max((n.layer for n in nodes.values() if n.kind == "principal"), default=3)
    for node in nodes.values():
        if node.kind == "grant":
            node.layer = top + 1


def _short_roots(nodes: dict[str, Node]) -> None:
    """A Terraform root is labelled by the shortest end of its path (at least two parts) no other root shares:
    `terraform/prod`, not `examples/data-platform/terraform/prod`."""
    roots = [n for n in nodes.values() if n.kind == "terraform"]
    for node in roots:
        parts = node.label.split("/")
        for size in range(min(2, len(parts)), len(parts) + 1):
            tail = "/".join(parts[-size:])
            if not any(o is not node and (o.label == tail or o.label.endswith("/" + tail)) for o in roots):
                break
        if tail != node.label:
            node.details.setdefault("directory", node.label)
            node.label = tail


def build_graph(model: dict[str, Any], findings: Iterable[Any] = ()) -> Graph:
    builder = _Builder(model)
    builder.build()
    unattached = builder.attach(findings)
    _short_roots(builder.nodes)
    _layers(builder.nodes, list(builder.edges.values()))
    nodes = sorted(builder.nodes.values(), key=lambda n: (n.layer, KINDS.index(n.kind), n.group or "", n.id))
    for node in nodes:
        node.findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.path, f.line, f.message))
    order = {n.id: i for i, n in enumerate(nodes)}
    edges = sorted(builder.edges.values(), key=lambda e: (order[e.source], order[e.target], e.kind))
    unattached.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.path, f.line, f.message))
    usage = {k: sorted(v, key=lambda u: (u["task"], str(u["conn_id"]), str(u["place"])))
             for k, v in sorted(builder.usage.items())}
    return Graph(nodes, edges, unattached, [], usage)
