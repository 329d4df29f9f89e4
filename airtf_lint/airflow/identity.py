"""Which identity each task runs as, how we know, and the evidence chain: task -> connection -> principal.

For every connection a task (or a hook in its code) uses: the connection's definitions are looked up (config,
then Terraform-managed secrets, then environment variables, then export/settings files, Airflow's own precedence
of custom backend > env > metastore); the definition's identity fields name a principal (AWS role_arn; GCP
impersonation_chain, the operator's winning over the connection's; key files and static keys are flagged).
Without one, the task has the ambient identity of where its code runs: the worker (configured in
`environment:`, or the only MWAA/Composer environment in the Terraform) or, for pod operators, the pod's
Kubernetes service account and the cloud identity bound to it (IRSA, EKS Pod Identity, GKE Workload Identity).
"""

from __future__ import annotations

from typing import Any

from airtf_lint.terraform.aws_iam import arn_name
from airtf_lint.terraform.gcp_iam import SERVICE_ACCOUNT_EMAIL

DEFAULT_CONNECTIONS = frozenset({"aws_default", "google_cloud_default", "kubernetes_default"})
SOURCE_PRECEDENCE = {"config": 0, "terraform": 1, "environment": 2, "env_file": 2, "export": 3, "settings": 3}


class PrincipalIndex:
    """Finds a Terraform principal by id, ARN, email or name."""

    def __init__(self, terraform: dict[str, Any]) -> None:
        self.principals = terraform.get("principals", [])
        self.by_id = {p["id"]: p for p in self.principals}
        self.terraform = terraform

    def find(self, reference: Any, cloud: str | None = None) -> dict[str, Any] | None:
        if not isinstance(reference, str) or not reference:
            return None
        if reference in self.by_id:
            return self.by_id[reference]
        candidates = [p for p in self.principals if cloud is None or p["cloud"] == cloud]
        for kind in ("role", "user"):
            name = arn_name(reference, kind)
            if name is not None:
                return next((p for p in candidates if p["cloud"] == "aws" and p["kind"] == kind and p["name"] == name),
                            None)
        email = SERVICE_ACCOUNT_EMAIL.search(reference)
        if email:
            return next((p for p in candidates if p.get("email") == email.group(0)), None) or next(
                (p for p in candidates if p["cloud"] == "gcp" and p["name"] == email.group(0).split("@")[0]), None)
        return next((p for p in candidates if p["name"] == reference), None)

    def kubernetes_account(self, namespace: Any, name: Any) -> dict[str, Any] | None:
        return next((p for p in self.principals if p["cloud"] == "kubernetes" and p.get("name") == name
                     and p.get("namespace", "default") == (namespace or "default")), None)


def _step(kind: str, detail: str, path: Any = None, line: Any = None, **extra: Any) -> dict[str, Any]:
    return {"step": kind, "detail": detail, "path": path, "line": line, **extra}


def _principal_step(principal: dict[str, Any]) -> dict[str, Any]:
    return _step("principal", principal["id"], principal["path"], principal["line"], principal=principal["id"])


class IdentityResolver:
    def __init__(self, model: dict[str, Any]) -> None:
        self.terraform = model["terraform"]
        self.environment = model["airflow"].get("environment") or {}
        self.worker_accounts = model["airflow"].get("worker_accounts", [])
        self.index = PrincipalIndex(self.terraform)
        self.definitions: dict[str, list[dict[str, Any]]] = {}
        for definition in model["airflow"]["connections"]:
            self.definitions.setdefault(definition["conn_id"], []).append(definition)
        for found in self.definitions.values():
            found.sort(key=lambda d: SOURCE_PRECEDENCE.get(d["source"], 9))

    # --- ambient identities -------------------------------------------------------------------------------------

    def ambient(self, task: dict[str, Any], cloud: str | None) -> dict[str, Any]:
        if task["runs_in"] == "pod":
            pod = self._pod_identity(task, cloud)
            if pod is not None:
                return pod
        fleet = self._fleet(task, cloud)
        if fleet is not None:
            return fleet
        configured = self.environment.get("identity")
        principal = self.index.find(configured, cloud) if configured else None
        if configured:
            return self._identity("ambient", cloud, principal, configured,
                                  [_step("environment", f"configured worker identity {configured}")])
        helm = self._helm_workers(cloud)
        if helm is not None:
            return helm
        runtime = self.environment.get("runtime")
        if cloud in ("aws", None) and runtime in ("mwaa", None):
            found = self._single(self.terraform.get("aws", {}).get("mwaa_environments", []), "execution_role",
                                 self.environment.get("mwaa_environment"))
            if found is not None:
                environment, principal = found
                return self._identity("ambient", "aws", principal, environment.get("execution_role_arn"),
                                      [_step("mwaa", f"MWAA environment {environment['address']} execution role",
                                             environment["path"], environment["line"])])
        if cloud in ("gcp", None) and runtime in ("composer", None):
            found = self._single(self.terraform.get("gcp", {}).get("composer_environments", []), "service_account",
                                 self.environment.get("composer_environment"))
            if found is not None:
                environment, principal = found
                detail = ("default compute service account" if environment["uses_default_compute_account"]
                          else "node service account")
                return self._identity("ambient", "gcp", principal, environment.get("service_account_value"),
                                      [_step("composer", f"Composer environment {environment['address']} {detail}",
                                             environment["path"], environment["line"])])
        return self._identity("unresolved", cloud, None, None,
                              [_step("ambient", "the workers' identity is not known: declare `environment:` in the "
                                                "configuration")])

    def _fleet(self, task: dict[str, Any], cloud: str | None) -> dict[str, Any] | None:
        """A task sent to another worker fleet (`queue=`, `executor=`) whose identity the configuration names."""
        for parameter, key in (("executor", "executors"), ("queue", "queues")):
            argument = task["identity_arguments"].get(parameter)
            fleets = self.environment.get(key) or {}
            if argument is None or not isinstance(argument.get("value"), str) or argument["value"] not in fleets:
                continue
            configured = fleets[argument["value"]].get("identity")
            if not configured:
                continue
            principal = self.index.find(configured, cloud)
            evidence = [_step(parameter, f"{parameter}={argument['value']!r} ({argument['source']}): its workers run "
                                         f"as {configured}", task["path"], argument["line"])]
            return self._identity("ambient", cloud, principal, configured,
                                  evidence + ([_principal_step(principal)] if principal else []))
        return None

    def _helm_workers(self, cloud: str | None) -> dict[str, Any] | None:
        """The workers' service account from Helm values: its IRSA role or Workload Identity account."""
        workers = [a for a in self.worker_accounts if a["component"] == "workers"]
        if len(workers) != 1:
            return None
        account = workers[0]
        annotations = account["annotations"]
        for key, kind in (("eks.amazonaws.com/role-arn", "aws"), ("iam.gke.io/gcp-service-account", "gcp")):
            reference = annotations.get(key)
            if isinstance(reference, str) and cloud in (kind, None):
                principal = self.index.find(reference, kind)
                evidence = [_step("helm", f"Helm values: workers run as service account {account['name'] or '?'} "
                                          f"annotated {key}={reference}", account["path"], account["line"])]
                return self._identity("ambient", kind, principal, reference,
                                      evidence + ([_principal_step(principal)] if principal else []))
        return None

    def _single(self, environments: list[dict[str, Any]], key: str,
                address: str | None) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        chosen = [e for e in environments if address is None or e["address"] == address]
        if len(chosen) != 1:
            return None
        environment = chosen[0]
        return environment, self.index.by_id.get(environment.get(key) or "")

    def _pod_identity(self, task: dict[str, Any], cloud: str | None) -> dict[str, Any] | None:
        arguments = task["identity_arguments"]
        source = "service_account_name" if "service_account_name" in arguments else "executor_service_account"
        account = arguments.get(source, {}).get("value")
        namespace = arguments.get("namespace", {}).get("value") or self.environment.get(
            "kubernetes_service_account", "default/").split("/")[0] or "default"
        if not isinstance(account, str):
            return None
        evidence = [_step("pod", f"pod runs as Kubernetes service account {namespace}/{account}", task["path"],
                          arguments[source]["line"])]
        ksa = self.index.kubernetes_account(namespace, account)
        if ksa is None:
            return self._identity("ambient", "kubernetes", None, f"{namespace}/{account}", evidence)
        evidence.append(_principal_step(ksa))
        bound = ksa.get("irsa_role") if cloud in ("aws", None) else None
        bound = bound or (ksa.get("gcp_service_account") if cloud in ("gcp", None) else None)
        if bound is None:
            association = next((a for a in self.terraform.get("kubernetes", {}).get("pod_identity_associations", [])
                                if a.get("service_account") == account and a.get("namespace") == namespace), None)
            bound = association.get("role") if association else None
        principal = self.index.by_id.get(bound or "") or ksa
        if principal is not ksa:
            evidence.append(_principal_step(principal))
        return self._identity("ambient", principal["cloud"], principal, f"{namespace}/{account}", evidence)

    # --- connections ----------------------------------------------------------------------------------------------

    def through_connection(self, task: dict[str, Any], usage: dict[str, Any], line: int) -> dict[str, Any]:
        conn_id, cloud = usage["conn_id"], usage["cloud"]
        evidence = [_step("task", f"{usage['parameter']}={conn_id!r} ({usage['source']})", task["path"], line)]
        if usage["value_kind"] in ("template", "dynamic"):
            return self._identity("unresolved", cloud, None, None,
                                  evidence + [_step("dynamic", "the connection id is chosen at run time")], usage)
        if conn_id is None:
            if usage["when_missing"] == "ambient":
                return self._with(self.ambient(task, cloud), evidence, usage)
            return self._identity("unresolved", cloud, None, None, evidence, usage)
        definitions = self.definitions.get(conn_id, [])
        if not definitions:
            if usage["when_missing"] == "ambient" or conn_id in DEFAULT_CONNECTIONS:
                resolved = self._with(self.ambient(task, cloud), evidence, usage)
                resolved["connection_defined"] = False
                return resolved
            result = self._identity("unresolved", cloud, None, None, evidence, usage)
            result["connection_defined"] = False
            return result
        chosen = definitions[0]
        evidence.append(_step("connection", f"{conn_id} defined in {chosen['source']}", chosen["path"], chosen["line"]))
        result = self._from_definition(task, usage, chosen, evidence)
        result["connection_defined"] = True
        result["conflicting_definitions"] = len({_fingerprint(d) for d in definitions}) > 1
        return result

    def _from_definition(self, task: dict[str, Any], usage: dict[str, Any], chosen: dict[str, Any],
                         evidence: list[dict[str, Any]]) -> dict[str, Any]:
        cloud = usage["cloud"]
        definition = chosen.get("definition") or {}
        extra = definition.get("extra") or {}
        static = definition.get("static_credentials") is not None
        if chosen.get("principal"):
            principal = self.index.find(chosen["principal"], cloud)
            return self._identity("connection", cloud, principal, chosen["principal"], evidence + (
                [_principal_step(principal)] if principal else []), usage, static_credentials=static)
        if cloud == "aws":
            role_arn = extra.get("role_arn")
            if role_arn:
                principal = self.index.find(role_arn, "aws")
                return self._identity("connection", "aws", principal, role_arn, evidence + (
                    [_principal_step(principal)] if principal else []), usage, static_credentials=static)
            if static or chosen.get("credential_key"):
                return self._static_key(chosen, "static access key", evidence, usage)
            return self._with(self.ambient(task, "aws"), evidence, usage)
        if cloud == "gcp":
            operator_chain = task["identity_arguments"].get("impersonation_chain", {}).get("value")
            chain = operator_chain or extra.get("impersonation_chain")
            if chain:
                last = chain[-1] if isinstance(chain, list) else str(chain).split(",")[-1].strip()
                principal = self.index.find(last, "gcp")
                source = "operator" if operator_chain else "connection"
                return self._identity("connection", "gcp", principal, last, evidence + [
                    _step("impersonation", f"impersonates {last} ({source} impersonation_chain)")] + (
                    [_principal_step(principal)] if principal else []), usage, static_credentials=static)
            if static or chosen.get("credential_key"):
                return self._static_key(chosen, "service-account key", evidence, usage)
            return self._with(self.ambient(task, "gcp"), evidence, usage)
        return self._identity("connection", cloud, None, chosen["conn_id"], evidence, usage,
                              static_credentials=static)

    def _static_key(self, chosen: dict[str, Any], label: str, evidence: list[dict[str, Any]],
                    usage: dict[str, Any]) -> dict[str, Any]:
        """Long-lived keys: the identity is the key's owner when Terraform creates the key, else unnamed."""
        owner = self._key_owner(chosen.get("credential_key"))
        if owner is None:
            return self._identity("connection", usage["cloud"], None, label, evidence, usage, static_credentials=True)
        key, principal = owner
        return self._identity("connection", usage["cloud"], principal, principal["id"], evidence + [
            _step("key", f"its value carries the secret of {key['address']}", key["path"], key["line"]),
            _principal_step(principal)], usage, static_credentials=True)

    def _key_owner(self, reference: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """A Terraform key resource a connection's value carries, and the principal that owns it."""
        if not isinstance(reference, dict):
            return None
        keys = [(k, k.get("user")) for k in self.terraform.get("aws", {}).get("access_keys", [])] + [
            (k, k.get("service_account")) for k in self.terraform.get("gcp", {}).get("keys", [])]
        for key, owner in keys:
            if key["address"] == reference.get("address") and key["root"] == reference.get("root"):
                principal = self.index.find(owner)
                return (key, principal) if principal is not None else None
        return None

    # --- records --------------------------------------------------------------------------------------------------

    def _identity(self, resolution: str, cloud: str | None, principal: dict[str, Any] | None, reference: Any,
                  evidence: list[dict[str, Any]], usage: dict[str, Any] | None = None,
                  static_credentials: bool = False) -> dict[str, Any]:
        return {
            "resolution": resolution, "cloud": cloud, "principal": principal["id"] if principal else None,
            "reference": _reference_text(reference),
            "parameter": usage["parameter"] if usage else None, "conn_id": usage["conn_id"] if usage else None,
            "when_missing": usage["when_missing"] if usage else None,
            "static_credentials": static_credentials, "evidence": evidence,
        }

    def _with(self, ambient: dict[str, Any], evidence: list[dict[str, Any]],
              usage: dict[str, Any]) -> dict[str, Any]:
        return {**ambient, "parameter": usage["parameter"], "conn_id": usage["conn_id"],
                "when_missing": usage["when_missing"], "evidence": evidence + ambient["evidence"]}

    def resolve(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        identities = []
        usages = [(u, u["line"], None) for u in task["connections"]]
        usages += [(u, hook["line"], hook["class"]) for hook in task["hooks"] for u in hook["connections"]]
        for usage, line, hook in usages:
            if usage["cloud"] is None and usage["conn_id"] is None:
                continue  # an optional non-cloud connection that is not used
            found = self.through_connection(task, usage, line)
            found["hook"] = hook
            identities.append(found)
        if not identities or task["runs_in"] == "pod":
            code = self.ambient(task, None)
            code["hook"] = None
            code["evidence"].insert(0, _step("task", f"{task['class']} runs its code in the {task['runs_in']}",
                                             task["path"], task["line"]))
            identities.append(code)
        return identities


def _reference_text(reference: Any) -> str | None:
    if reference is None or isinstance(reference, str):
        return reference
    if isinstance(reference, dict) and "expr" in reference:
        return str(reference["expr"])
    return str(reference)


def _fingerprint(definition: dict[str, Any]) -> str:
    body = definition.get("definition") or {}
    return repr((body.get("conn_type"), sorted((body.get("extra") or {}).items()), definition.get("principal")))


def attach_identities(model: dict[str, Any]) -> None:
    """Give every task its identities, and every connection the tasks that use it (`used_by`)."""
    resolver = IdentityResolver(model)
    users: dict[str, set[str]] = {}
    tasks_by_principal: dict[str, set[str]] = {}
    dags_by_principal: dict[str, set[str]] = {}
    for task in model["airflow"]["tasks"]:
        task["identities"] = resolver.resolve(task)
        name = f"{task['dag_id']}.{task['task_id']}"
        for identity in task["identities"]:
            if isinstance(identity.get("conn_id"), str):
                users.setdefault(identity["conn_id"], set()).add(name)
            if identity["principal"]:
                tasks_by_principal.setdefault(identity["principal"], set()).add(name)
                dags_by_principal.setdefault(identity["principal"], set()).add(str(task["dag_id"]))
    variants: dict[str, set[str]] = {}
    for connection in model["airflow"]["connections"]:
        variants.setdefault(connection["conn_id"], set()).add(_fingerprint(connection))
    for connection in model["airflow"]["connections"]:
        connection["used_by"] = sorted(users.get(connection["conn_id"], ()))
        connection["definitions_differ"] = len(variants[connection["conn_id"]]) > 1
    # Indexes, so that rules about principals never scan every task.
    model["airflow"]["tasks_by_principal"] = {k: sorted(v) for k, v in sorted(tasks_by_principal.items())}
    model["airflow"]["dags_by_principal"] = {k: sorted(v) for k, v in sorted(dags_by_principal.items())}
