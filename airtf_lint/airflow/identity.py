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

import fnmatch
import re
from functools import cache
from importlib import resources
from typing import Any

from airtf_lint.terraform.aws_iam import arn_name
from airtf_lint.terraform.gcp_iam import SERVICE_ACCOUNT_EMAIL
from airtf_lint.yamlload import load_yaml

DEFAULT_CONNECTIONS = frozenset({"aws_default", "google_cloud_default", "kubernetes_default"})


@cache
def airflow_default_connections() -> frozenset[str]:
    """The ids Airflow's create_default_connections defines (data/airflow_connections.yaml)."""
    text = resources.files("airtf_lint").joinpath("data/airflow_connections.yaml").read_text("utf-8")
    return frozenset(load_yaml(text).get("airflow_default_connections") or ())
IRSA = "eks.amazonaws.com/role-arn"
WORKLOAD_IDENTITY = "iam.gke.io/gcp-service-account"
# Airflow components by the names Helm values give them (official chart; 2.x webserver, 3.x apiServer).
COMPONENTS = {"workers": ("workers",), "triggerer": ("triggerer",),
              "dag_processor": ("dagProcessor", "dag_processor", "scheduler")}
# Operators whose pods' service account is written in the resource they submit, not in service_account_name.
SPEC_ACCOUNT_CLASSES = frozenset({"SparkKubernetesOperator"})
ENV_SOURCES = frozenset({"environment", "env_file"})  # definitions read from AIRFLOW_CONN_* variables
SOURCE_PRECEDENCE = {"config": 0, "terraform": 1, "environment": 2, "env_file": 2, "export": 3, "settings": 3,
                     "cli_script": 3, "python": 4}


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
        hints = model["airflow"].get("terraform_hints") or {}
        self.module_bindings = hints.get("bindings") or []
        self.worker_accounts = [_rendered(a, hints.get("templates") or [])
                                for a in model["airflow"].get("worker_accounts", [])]
        self.index = PrincipalIndex(self.terraform)
        self.definitions: dict[str, list[dict[str, Any]]] = {}
        for definition in model["airflow"]["connections"]:
            self.definitions.setdefault(definition["conn_id"], []).append(definition)
        # AIRFLOW_CONN_<ID> is looked up by the connection id in upper case: `MY_API` and `my_api` both find it.
        self.env_definitions: dict[str, list[dict[str, Any]]] = {}
        for definition in model["airflow"]["connections"]:
            if definition["source"] in ENV_SOURCES:
                self.env_definitions.setdefault(definition["conn_id"].upper(), []).append(definition)
        for found in self.definitions.values():
            found.sort(key=lambda d: SOURCE_PRECEDENCE.get(d["source"], 9))

    def definitions_of(self, conn_id: Any) -> list[dict[str, Any]]:
        if not isinstance(conn_id, str):
            return []
        found = self.definitions.get(conn_id, [])
        by_env = [d for d in self.env_definitions.get(conn_id.upper(), []) if d["conn_id"] != conn_id]
        if not by_env:
            return found
        return sorted([*found, *by_env], key=lambda d: SOURCE_PRECEDENCE.get(d["source"], 9))

    # --- ambient identities -------------------------------------------------------------------------------------

    def ambient(self, task: dict[str, Any], cloud: str | None, code: bool = True) -> dict[str, Any]:
        """The identity of the process that runs the code: for a pod operator's own code (`code`), the pod; for the
        connections a pod operator uses to reach the cluster, the worker that launches it. A KubernetesExecutor
        pod_override makes the worker itself a pod, so both are the pod."""
        if task["runs_in"] == "pod" and (code or _executor_pod(task)):
            pod = self._pod_identity(task, cloud)
            if pod is not None:
                return pod
        return self.worker(task, cloud)

    def worker(self, task: dict[str, Any], cloud: str | None, component: str = "workers") -> dict[str, Any]:
        fleet = self._fleet(task, cloud) if component == "workers" else None
        if fleet is not None:
            return fleet
        configured = self.environment.get("identity")
        principal = self.index.find(configured, cloud) if configured else None
        if configured:
            return self._identity("ambient", cloud, principal, configured,
                                  [_step("environment", f"configured worker identity {configured}")])
        helm = self._helm_workers(cloud, component)
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
                reference = environment.get("service_account_value")
                if environment["uses_default_compute_account"]:
                    reference = "PROJECT_NUMBER-compute@developer.gserviceaccount.com (Compute Engine default)"
                return self._identity("ambient", "gcp", principal, reference,
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

    def _helm_workers(self, cloud: str | None, component: str = "workers") -> dict[str, Any] | None:
        """A component's service account from Helm values (the workers', or the scheduler's / DAG processor's /
        triggerer's): its IRSA role or Workload Identity account, from its annotation or a Terraform binding."""
        names = COMPONENTS.get(component, (component,))
        workers = [a for a in self.worker_accounts if a["component"] in names]
        if len(workers) != 1:
            return None
        account = workers[0]
        annotations = account["annotations"] if isinstance(account.get("annotations"), dict) else {}
        name = account.get("name")
        if isinstance(name, str) and "${" in name:
            name = None  # a template placeholder no templatefile() call fills
        if not any(k in annotations for k in (IRSA, WORKLOAD_IDENTITY)) and isinstance(name, str):
            namespace = account.get("namespace") or self._airflow_namespace()
            helm = _step("helm", f"Helm values: {component} run as service account {name}"
                         + (f" (templatefile() at {account['rendered_by']['path']}:{account['rendered_by']['line']})"
                            if account.get("rendered_by") else ""), account["path"], account["line"])
            bound, steps = self._bound(namespace, name, cloud)
            if bound is not None:
                return self._identity("ambient", bound["cloud"], bound, f"{namespace}/{name}",
                                      [helm] + steps + [_principal_step(bound)])
            module = self._module_binding(namespace, name, None)
            if module is not None:
                binding, reference, step = module
                namespace = binding["namespace"]
                if cloud in ("aws", None):
                    return self._identity("ambient", "aws", None, reference, [helm, step])
            if cloud in ("kubernetes", None) or not self._cloud_runtime(cloud):
                return self._identity("ambient", "kubernetes", None, f"{namespace}/{name}", [helm, _step(
                    "binding", f"no cloud identity bound to {namespace}/{name} in the files read: the workers run "
                               f"as that Kubernetes service account")])
        for key, kind in ((IRSA, "aws"), (WORKLOAD_IDENTITY, "gcp")):
            reference = annotations.get(key)
            if isinstance(reference, str) and cloud in (kind, None):
                principal = self.index.find(reference, kind)
                evidence = [_step("helm", f"Helm values: {component} run as service account {account['name'] or '?'} "
                                          f"annotated {key}={reference}", account["path"], account["line"])]
                return self._identity("ambient", kind, principal, reference,
                                      evidence + ([_principal_step(principal)] if principal else []))
        return None

    def _module_binding(self, namespace: str, account: str,
                        cloud: str | None) -> tuple[dict[str, Any], str, dict[str, Any]] | None:
        """A remote IAM module (eks-pod-identity, iam-role-for-service-accounts-eks) binding the account to the
        role it creates, named by the module's input. The namespace must match, unless the workers' namespace is
        not known (then the account name alone, when one binding has it)."""
        if cloud not in ("aws", None):
            return None
        same = [b for b in self.module_bindings if b["service_account"] == account]
        chosen = [b for b in same if b["namespace"] == namespace]
        if not chosen and namespace == "default" and not self._namespace_known() and len(same) == 1:
            chosen = same
        if len(chosen) != 1 or not chosen[0].get("role_name"):
            return None
        binding = chosen[0]
        how = "EKS Pod Identity" if binding["kind"] == "pod_identity" else "IRSA"
        reference = f"role/{binding['role_name']}"
        return binding, reference, _step("binding", f"{how}: {binding['module']} ({binding['source']}, not read: "
                                                    f"remote) binds {binding['namespace']}/{account} to the role it "
                                                    f"creates, named {binding['role_name']!r} by the module input",
                                         binding["path"], binding["line"])

    def _namespace_known(self) -> bool:
        return bool(self.environment.get("kubernetes_namespace") or "/" in str(
            self.environment.get("kubernetes_service_account") or ""))

    def _cloud_runtime(self, cloud: str | None) -> bool:
        """An MWAA or Composer environment in the Terraform gives the workers' cloud identity instead."""
        aws = self.terraform.get("aws", {}).get("mwaa_environments", [])
        gcp = self.terraform.get("gcp", {}).get("composer_environments", [])
        return bool(aws and cloud == "aws" or gcp and cloud == "gcp")

    def _single(self, environments: list[dict[str, Any]], key: str,
                address: str | None) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        chosen = [e for e in environments if address is None or e["address"] == address]
        if len(chosen) != 1:
            return None
        environment = chosen[0]
        return environment, self.index.by_id.get(environment.get(key) or "")

    def _pod_identity(self, task: dict[str, Any], cloud: str | None) -> dict[str, Any] | None:
        """A pod's Kubernetes service account (explicit, from a pod_override, or its namespace's `default`), the
        cluster it runs in, and the cloud identity bound to that account."""
        arguments = task["identity_arguments"]
        executor = _executor_pod(task)
        source = "executor_service_account" if executor else "service_account_name"
        given = arguments.get(source)
        namespace_argument = arguments.get("namespace")
        namespace = namespace_argument.get("value") if namespace_argument else None
        evidence = []
        if executor:
            namespace = namespace or self._airflow_namespace()
        elif not isinstance(namespace, str):
            # KubernetesPodOperator: namespace param -> the connection's extra -> the namespace the worker runs in
            # (in the cluster) -> "default".
            namespace = self._airflow_namespace() if self._cluster(task)[0] == "airflow" else "default"
        if given is not None and not isinstance(given.get("value"), str):
            return self._identity("unresolved", "kubernetes", None, None, [
                _step("pod", f"the pod's service account is {given.get('kind')}: {given.get('value')!r}", task["path"],
                      given.get("line"))])
        if given is None and task.get("class") in SPEC_ACCOUNT_CLASSES:
            return self._identity("unresolved", "kubernetes", None, None, [_step(
                "pod", f"{task['class']} runs the pods its spec file describes: their service account is set there "
                       f"(driver.serviceAccount), not by the operator", task["path"], task["line"])])
        account = given["value"] if given else "default"
        line = given["line"] if given else task["line"]
        cluster, cluster_detail = self._cluster(task)
        if given:
            detail = f"pod runs as Kubernetes service account {namespace}/{account}"
        else:
            detail = (f"no service_account_name: the pod runs as its namespace's default service account "
                      f"{namespace}/default, not as the worker")
        evidence.append(_step("pod", detail + f" ({cluster_detail})" + _overridable(given) + _overridable(
            namespace_argument), task["path"], line, cluster=cluster))
        if cluster == "other":
            evidence.append(_step("cluster", "the pod runs in another cluster than Airflow's: its service account "
                                             "bindings are looked up by namespace and name only"))
        ksa = self.index.kubernetes_account(namespace, account)
        if ksa is not None:
            evidence.append(_principal_step(ksa))
        bound, steps = self._bound(namespace, account, cloud, ksa)
        evidence += steps
        if bound is None:
            module = self._module_binding(namespace, account, cloud)
            if module is not None:
                _binding, reference, step = module
                return self._identity("ambient", "aws", None, reference, evidence + [step])
            if ksa is None:
                return self._identity("ambient", "kubernetes", None, f"{namespace}/{account}", evidence)
            return self._identity("ambient", "kubernetes", ksa, f"{namespace}/{account}", evidence)
        evidence.append(_principal_step(bound))
        return self._identity("ambient", bound["cloud"], bound, f"{namespace}/{account}", evidence)

    def _airflow_namespace(self) -> str:
        configured = self.environment.get("kubernetes_service_account")
        if isinstance(configured, str) and "/" in configured:
            return configured.split("/")[0] or "default"
        namespace = self.environment.get("kubernetes_namespace")
        return namespace if isinstance(namespace, str) and namespace else "default"

    def _cluster(self, task: dict[str, Any]) -> tuple[str, str]:
        """Which cluster a pod runs in: Airflow's own (in_cluster, or no kube config) or another one (a
        config_file, a cluster connection, a GKE/EKS cluster name)."""
        arguments = {**{k: v for k, v in (task.get("default_args") or {}).items()
                        if k in ("in_cluster", "config_file", "cluster_context")},
                     **task.get("arguments", {}), **task["identity_arguments"]}
        in_cluster = (arguments.get("in_cluster") or {}).get("value")
        for key in ("cluster_name", "config_file", "cluster_context"):
            value = (arguments.get(key) or {}).get("value")
            if value is not None and in_cluster is not True:
                return "other", f"cluster from {key}={value!r}"
        conn = next((c for c in task.get("connections", []) if c["parameter"] == "kubernetes_conn_id"), None)
        if in_cluster is True:
            return "airflow", "in_cluster=True: Airflow's own cluster"
        if conn is not None and conn.get("conn_id") not in (None, "kubernetes_default"):
            return "other", f"cluster from connection {conn['conn_id']!r}"
        return "airflow", "Airflow's own cluster, in-cluster configuration"

    def _bound(self, namespace: str, account: str, cloud: str | None,
               ksa: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The cloud identity bound to a Kubernetes service account: its IRSA / Workload Identity annotation (in
        Terraform), an EKS Pod Identity association, a roles/iam.workloadIdentityUser binding, or an IAM role whose
        trust policy names system:serviceaccount:NS:SA."""
        ksa = ksa or self.index.kubernetes_account(namespace, account)
        if ksa is not None:
            for key, kind, label in (("irsa_role", "aws", IRSA), ("gcp_service_account", "gcp", WORKLOAD_IDENTITY)):
                if ksa.get(key) and cloud in (kind, None) and ksa[key] in self.index.by_id:
                    return self.index.by_id[ksa[key]], [_step("binding", f"annotated {label}", ksa["path"],
                                                              ksa["line"])]
        if cloud in ("aws", None):
            for association in self.terraform.get("kubernetes", {}).get("pod_identity_associations", []):
                if association.get("service_account") == account and association.get("namespace") == namespace:
                    principal = self.index.by_id.get(association.get("role") or "") or self.index.find(
                        association.get("role_arn"), "aws")
                    if principal is not None:
                        return principal, [_step("binding", f"EKS Pod Identity {association['address']}",
                                                 association["path"], association["line"])]
        if cloud in ("gcp", None):
            for binding in self.terraform.get("gcp", {}).get("workload_identity", []):
                if binding.get("kubernetes_service_account") == account and binding.get("namespace") == namespace:
                    principal = self.index.by_id.get(binding.get("service_account") or "")
                    if principal is not None:
                        return principal, [_step("binding", f"GKE Workload Identity {binding['address']} "
                                                            f"(roles/iam.workloadIdentityUser)", binding["path"],
                                                 binding["line"])]
        if cloud in ("aws", None):
            subject = f"system:serviceaccount:{namespace}:{account}"
            for principal in self.index.principals:
                if principal["cloud"] == "aws" and principal["kind"] == "role" and _trusts_subject(principal, subject):
                    return principal, [_step("binding", f"IRSA: the role's trust policy admits {subject}",
                                             principal["path"], principal["line"])]
        return None, []

    # --- connections ----------------------------------------------------------------------------------------------

    def through_connection(self, task: dict[str, Any], usage: dict[str, Any], line: int) -> dict[str, Any]:
        conn_id, cloud = usage["conn_id"], usage["cloud"]
        evidence = [_step("task", f"{usage['parameter']}={conn_id!r} ({usage['source']})", task["path"], line)]
        if usage["value_kind"] in ("template", "dynamic"):
            return self._identity("unresolved", cloud, None, None,
                                  evidence + [_step("dynamic", "the connection id is chosen at run time")], usage)
        if usage.get("value_kind") == "env_default":
            evidence[0] = {**evidence[0], "overridable": True,
                           "detail": evidence[0]["detail"] + _overridable({"kind": "env_default",
                                                                           "env_var": usage.get("env_var")})}
        chain = self._operator_chain(task, usage) if cloud == "gcp" else None
        if chain is not None:
            return self._impersonated(task, usage, chain, evidence)
        if conn_id is None:
            if usage["when_missing"] == "ambient":
                return self._with(self.ambient(task, cloud, code=False), evidence, usage)
            return self._identity("unresolved", cloud, None, None, evidence, usage)
        definitions = self.definitions_of(conn_id)
        if not definitions:
            by_airflow = conn_id in airflow_default_connections()
            if by_airflow:
                evidence.append(_step("connection", f"{conn_id} is one of the connections Airflow creates with a "
                                                    f"placeholder definition (create-default-connections)"))
            if usage["when_missing"] == "ambient" or conn_id in DEFAULT_CONNECTIONS:
                resolved = self._with(self.ambient(task, cloud, code=False), evidence, usage)
                resolved["connection_defined"] = False
                resolved["airflow_default_connection"] = by_airflow
                return resolved
            result = self._identity("unresolved", cloud, None, None, evidence, usage)
            result["connection_defined"] = False
            result["airflow_default_connection"] = by_airflow
            return result
        chosen = definitions[0]
        evidence.append(_step("connection", f"{conn_id} defined in {chosen['source']}", chosen["path"], chosen["line"]))
        result = self._from_definition(task, usage, chosen, evidence)
        result["connection_defined"] = True
        result["conflicting_definitions"] = len({_fingerprint(d) for d in definitions}) > 1
        return result

    def _operator_chain(self, task: dict[str, Any], usage: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The operator's impersonation_chain (a string, a comma list or a list: the last element acts); an empty
        value (`os.getenv("X", "")`) defers to the connection."""
        names = ("google_impersonation_chain",) if usage["parameter"] != "gcp_conn_id" and usage.get(
            "provider") != "google" else ("impersonation_chain",)
        for name in names + ("impersonation_chain",):
            argument = task["identity_arguments"].get(name) or task.get("arguments", {}).get(name)
            if not argument:
                continue
            value = argument.get("value")
            if isinstance(value, list | tuple):
                value = [v for v in value if isinstance(v, str) and v.strip()]
                last = value[-1] if value else None
            elif isinstance(value, str):
                parts = [v.strip() for v in value.split(",") if v.strip()]
                last = parts[-1] if parts else None
            else:
                last = None
            if last is not None:
                return last, argument
            return None
        return None

    def _impersonated(self, task: dict[str, Any], usage: dict[str, Any], chain: tuple[str, dict[str, Any]],
                      evidence: list[dict[str, Any]]) -> dict[str, Any]:
        last, argument = chain
        definitions = self.definitions_of(usage["conn_id"] or "")
        if definitions:
            evidence.append(_step("connection", f"{usage['conn_id']} defined in {definitions[0]['source']}: its "
                                                f"credentials only mint the impersonated account's token",
                                  definitions[0]["path"], definitions[0]["line"]))
        if argument.get("kind") in ("template", "dynamic"):
            return {**self._identity("unresolved", "gcp", None, last, evidence + [
                _step("impersonation", f"impersonation_chain is chosen at run time: {last!r}", task["path"],
                      argument.get("line"))], usage), "connection_defined": bool(definitions)}
        principal = self.index.find(last, "gcp")
        result = self._identity("impersonation", "gcp", principal, last, evidence + [
            _step("impersonation", f"impersonates {last} (operator impersonation_chain; the last account acts)"
                  + _overridable(argument), task["path"], argument.get("line"))] + (
            [_principal_step(principal)] if principal else []), usage)
        result["connection_defined"] = bool(definitions)
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
            return self._with(self.ambient(task, "aws", code=False), evidence, usage)
        if cloud == "gcp":
            chain = extra.get("impersonation_chain")
            if chain:
                last = chain[-1] if isinstance(chain, list) else str(chain).split(",")[-1].strip()
                principal = self.index.find(last, "gcp")
                return self._identity("connection", "gcp", principal, last, evidence + [
                    _step("impersonation", f"impersonates {last} (connection impersonation_chain)")] + (
                    [_principal_step(principal)] if principal else []), usage, static_credentials=static)
            if static or chosen.get("credential_key"):
                email = extra.get("key_client_email")
                if isinstance(email, str) and not chosen.get("credential_key"):
                    principal = self.index.find(email, "gcp")
                    return self._identity("connection", "gcp", principal, email, evidence + [
                        _step("key", f"its inline service-account key (keyfile_dict) is {email}'s")] + (
                        [_principal_step(principal)] if principal else []), usage, static_credentials=True)
                return self._static_key(chosen, "service-account key", evidence, usage)
            return self._with(self.ambient(task, "gcp", code=False), evidence, usage)
        # A non-cloud connection (a database, Docker registry, HTTP API): its credentials are the connection's own,
        # not a cloud principal, so nothing is named.
        return self._identity("connection", cloud, None, None, evidence + [
            _step("credentials", f"the task authenticates with {chosen['conn_id']}'s own credentials")], usage,
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
            found["place"] = "pod" if task["runs_in"] == "pod" and _executor_pod(task) else "worker"
            identities.append(found)
        if not identities or task["runs_in"] == "pod":
            code = self.ambient(task, None)
            code["hook"] = None
            code["place"] = task["runs_in"]
            code["evidence"].insert(0, _step("task", f"{task['class']} runs its code in the {task['runs_in']}",
                                             task["path"], task["line"]))
            identities.append(code)
        notes = _executor_config_notes(task)
        if notes:
            for identity in identities:
                identity["evidence"] = identity["evidence"][:1] + notes + identity["evidence"][1:]
        if _deferrable(task):
            identities += self._triggerer(task, identities)
        return identities

    # --- other processes: triggerer, DAG processor; delegated job identities ----------------------------------

    def _triggerer(self, task: dict[str, Any], identities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A deferrable task's trigger runs in the triggerer, which resolves the same connections with its own
        ambient identity."""
        out = []
        for identity in identities:
            if identity.get("place") == "pod" or identity.get("conn_id") is None and identity.get("parameter") is None:
                continue
            if identity["resolution"] == "ambient":
                ambient = self.worker(task, identity["cloud"], component="triggerer")
                copy = {**ambient, "parameter": identity["parameter"], "conn_id": identity["conn_id"],
                        "when_missing": identity["when_missing"], "hook": identity.get("hook"),
                        "evidence": [e for e in identity["evidence"] if e["step"] in ("task", "connection")]
                        + ambient["evidence"]}
            else:
                copy = {**identity, "evidence": list(identity["evidence"])}
            copy["place"] = "triggerer"
            copy["evidence"].insert(1, _step("triggerer", "deferrable=True: the trigger runs in the triggerer and "
                                                          "uses this connection there", task["path"], task["line"]))
            out.append(copy)
        return out

    def module_level(self, call: dict[str, Any]) -> dict[str, Any]:
        """Module-level code of a DAG file (a boto3 client, a hook, Variable.get at the top of the file) runs in the
        DAG processor at every parse, as the scheduler's (DAG processor's) identity."""
        cloud = call.get("cloud")
        conn_id = next((c.get("conn_id") for c in call.get("connections") or [] if c.get("conn_id")), None)
        if conn_id is None and isinstance(call.get("conn_id"), dict):
            conn_id = call["conn_id"].get("value")
        found = self.worker({"identity_arguments": {}, "path": call.get("path")}, cloud, component="dag_processor")
        evidence = [_step("module", f"{call.get('callee') or call.get('call') or 'a call'} at module level runs in "
                                    f"the DAG processor at every parse", call.get("path"), call.get("line"))]
        definitions = self.definitions_of(conn_id) if isinstance(conn_id, str) else []
        if definitions:
            chosen = definitions[0]
            evidence.append(_step("connection", f"{conn_id} defined in {chosen['source']}", chosen["path"],
                                  chosen["line"]))
            usage = {"parameter": "conn_id", "conn_id": conn_id, "cloud": cloud, "when_missing": "ambient"}
            defined = self._from_definition({"identity_arguments": {}, "path": call.get("path"), "runs_in": "worker"},
                                            usage, chosen, evidence)
            if defined["resolution"] == "connection":
                return {**defined, "resolution": "dag_processor", "place": "dag_processor", "hook": None}
        return {**found, "resolution": "dag_processor" if found["resolution"] != "unresolved" else "unresolved",
                "place": "dag_processor", "conn_id": conn_id, "hook": None,
                "evidence": evidence + [e for e in found["evidence"] if e["step"] != "ambient"] + (
                    [_step("ambient", "the DAG processor's identity is not known: declare `environment:`")]
                    if found["resolution"] == "unresolved" else [])}

    def delegated(self, task: dict[str, Any]) -> list[dict[str, Any]]:
        """Identities a task hands to a service (an EMR job's execution role, a Glue job's role, a Dataproc
        cluster's service account...): the job runs as them, and the task's own identity needs iam:PassRole or
        iam.serviceAccounts.actAs on them."""
        values = task.get("delegated_identities")  # the DAG analysis's facts: {argument, key, value, cloud, service}
        found = ([{**v, "parameter": v.get("argument") or v.get("key"), "service": v.get("service") or "service"}
                  for v in values if isinstance(v, dict)] if isinstance(values, list) else _delegated_values(task))
        out = []
        for item in found:
            reference, cloud = item.get("value"), item.get("cloud")
            if cloud not in ("aws", "gcp"):
                cloud = "gcp" if isinstance(reference, str) and SERVICE_ACCOUNT_EMAIL.search(reference) else "aws"
            if not isinstance(reference, str) or not reference:
                continue
            principal = self.index.find(reference, cloud)
            if principal is None and cloud == "aws" and not reference.startswith("arn:"):
                principal = self.index.find(f"arn:aws:iam::0:role/{reference}", "aws")
            permission = "iam:PassRole" if cloud == "aws" else "iam.serviceAccounts.actAs"
            evidence = [_step("delegated", f"{item['parameter']}={reference!r}: the {item['service']} job runs as it; "
                                           f"the task's identity needs {permission} on it" + _overridable(item),
                              task["path"], item.get("line"))] + ([_principal_step(principal)] if principal else [])
            out.append({**self._identity("delegated", cloud, principal, reference, evidence), "hook": None,
                        "place": "service", "service": item["service"], "parameter": item["parameter"],
                        "requires": {"cloud": cloud, "permission": permission,
                                     "resource": principal["id"] if principal else reference}})
        return out

_PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def _rendered(account: dict[str, Any], templates: list[dict[str, Any]]) -> dict[str, Any]:
    """A Helm values service account whose name is a `${var}` placeholder, filled from the templatefile() call
    that renders that values file (when exactly one call gives the variable a known value)."""
    name = account.get("name")
    if not isinstance(name, str) or "${" not in name:
        return account
    calls = [t for t in templates if t["file"] == account.get("path")]
    rendered = name
    for variable in _PLACEHOLDER.findall(name):
        found = {t["variables"].get(variable) for t in calls}
        if len(found) != 1 or None in found:
            return account
        value = next(iter(found))
        rendered = re.sub(r"\$\{\s*" + variable + r"\s*\}", lambda _m, v=value: v, rendered)
    return {**account, "name": rendered, "rendered_by": {"path": calls[0]["path"], "line": calls[0]["line"]}}


def _executor_pod(task: dict[str, Any]) -> bool:
    """The task's own worker is a pod (a KubernetesExecutor pod_override naming its service account)."""
    return "executor_service_account" in task["identity_arguments"]


def _deferrable(task: dict[str, Any]) -> bool:
    deferrable = task.get("deferrable")  # the DAG analysis's fact: {value, source, kind, line}
    if deferrable is True or isinstance(deferrable, dict) and deferrable.get("value") is True:
        return True
    if "triggerer" in (task.get("execution_places") or []):
        return True
    if isinstance(deferrable, dict):
        return False
    value = (task.get("arguments", {}).get("deferrable") or task.get("default_args", {}).get("deferrable") or {})
    return value.get("value") is True or str(task.get("class") or "").endswith("Async")


def _overridable(argument: dict[str, Any] | None) -> str:
    if argument and argument.get("kind") == "env_default":
        name = argument.get("env_var")
        return f"; an os.getenv default: the environment can override it{f' ({name})' if name else ''}"
    return ""


def _executor_config_notes(task: dict[str, Any]) -> list[dict[str, Any]]:
    config = task.get("arguments", {}).get("executor_config")
    if config is None or _executor_pod(task):
        return []
    return [_step("executor_config", "executor_config sets no pod_override service account (not the "
                                     "{'pod_override': k8s.V1Pod(spec=k8s.V1PodSpec(service_account_name=...))} shape): "
                                     "ignored, the task keeps the worker's identity", task["path"], config.get("line"))]


def _trusts_subject(role: dict[str, Any], subject: str) -> bool:
    """A role whose trust policy admits a Kubernetes service account by its OIDC `sub` (IRSA)."""
    for statement in role.get("trust") or []:
        if statement.get("effect", "Allow") != "Allow":
            continue
        for value in _strings(statement.get("conditions")):
            if value == subject or ("*" in value and fnmatch.fnmatchcase(subject, value)):
                return True
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# Parameters that hand an identity to a service: (parameter or path in a nested config, service, cloud).
DELEGATED = (
    ("execution_role_arn", "EMR", "aws"), ("job_flow_role", "EMR", "aws"), ("service_role", "EMR", "aws"),
    ("iam_role_name", "Glue", "aws"), ("iam_role_arn", "Glue", "aws"), ("role", "Lambda", "aws"),
    ("role_arn", "service", "aws"), ("RoleArn", "SageMaker", "aws"), ("ExecutionRoleArn", "SageMaker", "aws"),
    ("JobRoleArn", "Batch", "aws"), ("jobRoleArn", "Batch", "aws"), ("executionRoleArn", "ECS", "aws"),
    ("taskRoleArn", "ECS", "aws"), ("JobFlowRole", "EMR", "aws"), ("ServiceRole", "EMR", "aws"),
    ("service_account", "Dataproc", "gcp"), ("service_account_email", "Dataflow", "gcp"),
    ("serviceAccountEmail", "Dataflow", "gcp"), ("serviceAccount", "Dataflow", "gcp"),
)
_DELEGATED = {name: (service, cloud) for name, service, cloud in DELEGATED}
# Classes whose `role_arn`-like arguments are the job's own identity, by name prefix.
_SERVICE_OF_CLASS = (("Emr", "EMR"), ("Glue", "Glue"), ("Lambda", "Lambda"), ("SageMaker", "SageMaker"),
                     ("Batch", "Batch"), ("Ecs", "ECS"), ("Dataproc", "Dataproc"), ("Dataflow", "Dataflow"),
                     ("Beam", "Dataflow"), ("Step", "Step Functions"), ("Redshift", "Redshift"),
                     ("Comprehend", "Comprehend"), ("Bedrock", "Bedrock"), ("Kinesis", "Kinesis"))


def _delegated_values(task: dict[str, Any]) -> list[dict[str, Any]]:
    name = str(task.get("class") or "")
    service = next((label for prefix, label in _SERVICE_OF_CLASS if prefix in name), None)
    if service is None:
        return []
    out = []
    for parameter, argument in task.get("arguments", {}).items():
        for key, value in _walk(parameter, argument.get("value")):
            if key not in _DELEGATED or key == "role" and service != "Lambda":
                continue
            kind_service, cloud = _DELEGATED[key]
            if key == "service_account" and service not in ("Dataproc", "Dataflow"):
                continue
            out.append({"parameter": parameter if key == parameter else f"{parameter}.{key}", "value": value,
                        "service": service if kind_service == "service" else kind_service, "cloud": cloud,
                        "line": argument.get("line"), "kind": argument.get("kind")})
    return out


def _walk(key: str, value: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """(key, string value) pairs of an argument and of the dicts nested in it (job_flow_overrides, configs)."""
    if isinstance(value, str):
        return [(key, value)]
    out = []
    if isinstance(value, dict) and depth < 6:
        for k, v in value.items():
            out += _walk(str(k), v, depth + 1)
    elif isinstance(value, list) and depth < 6:
        for v in value:
            out += _walk(key, v, depth + 1)
    return out


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
        # Kept apart from `identities`: the job runs as them, not the task, so the task's needs are not theirs.
        task["job_identities"] = resolver.delegated(task)
        name = f"{task['dag_id']}.{task['task_id']}"
        for identity in task["identities"]:
            if isinstance(identity.get("conn_id"), str):
                users.setdefault(identity["conn_id"], set()).add(name)
            if identity["principal"]:
                tasks_by_principal.setdefault(identity["principal"], set()).add(name)
                dags_by_principal.setdefault(identity["principal"], set()).add(str(task["dag_id"]))
    # Module-level calls of DAG files (the DAG analysis's `module_calls`): the DAG processor's identity.
    for call in model["airflow"].get("module_calls") or []:
        call["identity"] = resolver.module_level(call)
    variants: dict[str, set[str]] = {}
    for connection in model["airflow"]["connections"]:
        variants.setdefault(connection["conn_id"], set()).add(_fingerprint(connection))
    for connection in model["airflow"]["connections"]:
        used = set(users.get(connection["conn_id"], ()))
        if connection["source"] in ENV_SOURCES:  # AIRFLOW_CONN_MY_API serves `my_api` and `MY_API`
            used |= {n for conn_id, names in users.items() if conn_id.upper() == connection["conn_id"].upper()
                     for n in names}
        connection["used_by"] = sorted(used)
        connection["definitions_differ"] = len(variants[connection["conn_id"]]) > 1
    # Indexes, so that rules about principals never scan every task.
    model["airflow"]["tasks_by_principal"] = {k: sorted(v) for k, v in sorted(tasks_by_principal.items())}
    model["airflow"]["dags_by_principal"] = {k: sorted(v) for k, v in sorted(dags_by_principal.items())}
