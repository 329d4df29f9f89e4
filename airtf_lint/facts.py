"""Facts: what the parsers establish about one file, before any rule looks at it.

Everything here is plain data. Parsers produce it, the model builder reads it; neither side needs the other's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

UNKNOWN_KEY = "__unknown__"


def unknown(expression: str) -> dict[str, Any]:
    """A value that cannot be known statically, kept explicit so rules can tell 'not set' from 'not known'."""
    return {UNKNOWN_KEY: True, "expr": expression}


def is_unknown(value: Any) -> bool:
    return isinstance(value, dict) and value.get(UNKNOWN_KEY) is True


class FileKind(StrEnum):
    DAG = "dag"
    TERRAFORM = "terraform"  # .tf and .tf.json
    TFVARS = "tfvars"  # .tfvars and .tfvars.json
    TFBACKEND = "tfbackend"  # -backend-config files
    TERRAGRUNT = "terragrunt"  # terragrunt.hcl, root.hcl: HCL, read for remote_state / generate "backend"
    PLAN = "plan"  # terraform show -json output
    STATE = "state"  # *.tfstate, *.tfstate.backup
    CONNECTIONS = "connections"  # airflow connections export JSON/YAML, .env files
    PYTHON = "python"  # Python modules that are not DAGs: searched for secrets only
    # What `terraform init` installed under <root>/.terraform/modules: evaluated, never judged (third-party code)
    INSTALLED_MODULE = "installed_module"  # a .tf / .tf.json file of an installed registry or git module
    MODULE_MANIFEST = "module_manifest"  # .terraform/modules/modules.json: module key -> installed folder


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file discovery chose to analyse. `path` is what users see: relative to the working directory when under it."""

    path: str
    absolute: Path
    kind: FileKind


@dataclass(frozen=True, slots=True)
class Location:
    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_column if self.end_column is not None else self.column,
        }


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read or parsed, in whole or in part."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class Suppression:
    """`# airtf-lint: ignore[ID,...] reason` written on `line`; it covers that line and the next one (`lines` = 2).
    detect-secrets' and gitleaks' allowlist comments cover one line."""

    line: int
    rule_ids: tuple[str, ...]
    reason: str
    lines: int = 2


@dataclass(slots=True)
class HclAttribute:
    name: str
    value: Any  # evaluated without any scope: literals known, everything else unknown(expr)
    location: Location
    expr: Any = None  # the expression IR (airtf_lint.terraform.ir), for evaluation in a module's scope


@dataclass(slots=True)
class HclBlock:
    type: str
    labels: tuple[str, ...]
    attributes: dict[str, HclAttribute]
    blocks: list[HclBlock]
    location: Location

    def values(self) -> dict[str, Any]:
        """Attribute values with nested blocks as lists of objects, the shape `terraform show -json` uses.

        HCL lets an attribute and nested blocks share a name in one body (`volume = "x"` and `volume { ... }`);
        Terraform rejects that against a provider schema, but such files exist. The name then maps to a list:
        the attribute's elements first when its value is a list (the attributes-as-blocks form, `volume = [...]`),
        then one object per block. Any other attribute value gives way to the blocks. (The HCL parser already
        drops such attributes, so this matters for blocks built elsewhere.) The attribute's own list is copied,
        never extended in place."""
        out: dict[str, Any] = {name: attr.value for name, attr in self.attributes.items()}
        merged: dict[str, list[Any]] = {}
        for block in self.blocks:
            items = merged.get(block.type)
            if items is None:
                prior = out.get(block.type)
                items = merged[block.type] = list(prior) if isinstance(prior, list) else []
                out[block.type] = items
            items.append(block.values())
        return out

    def first_block(self, block_type: str) -> HclBlock | None:
        return next((b for b in self.blocks if b.type == block_type), None)


@dataclass(slots=True)
class PlanResource:
    address: str
    mode: str
    type: str
    name: str
    module_path: str
    values: dict[str, Any]
    location: Location


@dataclass(slots=True)
class PlanFacts:
    format_version: str
    terraform_version: str
    resources: list[PlanResource] = field(default_factory=list)
    # From `configuration`: (module path, local address) -> attribute -> addresses of the blocks it references.
    references: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)  # resource_changes: address, actions, line
    sensitive: list["SecretFact"] = field(default_factory=list)  # values marked sensitive, stored in the plan


@dataclass(slots=True)
class Value:
    """A statically evaluated argument. kind: literal, env_default (os.getenv default, overridable), template
    (Jinja, rendered at run time), dynamic (XCom, Variable.get, a parameter...), unknown. `origin` names the file a
    value was read from when it is not the DAG file itself (a sibling workflow.yml), as `path:line`."""

    value: Any
    kind: str
    line: int
    env_var: str | None = None
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "kind": self.kind, "line": self.line}
        if self.env_var:
            out["env_var"] = self.env_var
        if self.origin:
            out["origin"] = self.origin
        return out


@dataclass(slots=True)
class TaskFact:
    dag_id: str | None
    task_id: str | None
    operator: str  # class name as resolved (alias removed)
    module: str | None  # module the class comes from, when imported
    kind: str  # operator, taskflow, hook
    arguments: dict[str, Value]
    default_args: dict[str, Value]
    group: str | None
    mapped: bool
    location: Location
    hooks: list[TaskFact] = field(default_factory=list)
    commands: list[Value] = field(default_factory=list)  # subprocess commands in the task's code
    # How the task was recognised: "catalogue" (an Airflow/provider class by import), "subclass" (a class defined in
    # this file), "suffix" (a name ending in Operator/Sensor), "task_id" (any call given task_id=), "taskflow".
    recognised_by: str = "suffix"
    default_args_unknown: list[str] = field(default_factory=list)  # spreads whose keys cannot be known
    delegated: list[dict[str, Any]] = field(default_factory=list)  # identities handed to a service (see tasks.py)
    decorators: list[str] = field(default_factory=list)  # TaskFlow: every @task.* decorator, outermost first
    # Built by a factory function of another file: the call (in the DAG file) that made it; `location` is in the
    # factory's file.
    called_from: Location | None = None
    dag_factory: str | None = None  # its DAG is the one a factory call returns (that call's key), resolved later


@dataclass(slots=True)
class DagFact:
    dag_id: str | None
    default_args: dict[str, Value]
    location: Location
    schedule: Value | None = None
    default_args_unknown: list[str] = field(default_factory=list)
    called_from: Location | None = None  # built by a factory function of another file: the call that made it
    factory: str | None = None  # a placeholder for the DAG a factory call returns (the call's key)


@dataclass(slots=True)
class OperatorClass:
    """A class defined in the repository that may be an operator (resolved across files in the model stage): its
    bases as qualified names, and enough of its constructor to evaluate it with a call site's arguments."""

    name: str
    base: str  # qualified name of the first base class
    fixed: dict[str, Value]  # super().__init__ keyword arguments evaluated without a call site
    location: Location
    module: str | None = None  # dotted module name guessed from the path (plugins/operators/x.py -> plugins.operators.x)
    bases: list[str] = field(default_factory=list)
    imports: dict[str, str] = field(default_factory=dict)  # the defining file's local name -> qualified name
    constants: dict[str, Value] = field(default_factory=dict)  # the defining file's module-level constants
    init_source: str | None = None  # the source of __init__ (dedented), evaluated per call site in the model stage
    init_line: int = 1  # the line of `def __init__` in the defining file
    deferrable: bool = False  # calls self.defer(...) or builds a Trigger


@dataclass(slots=True)
class ModuleCall:
    """Code at the top level of a DAG file (or in a @dag body, outside any task) that the DAG processor runs at every
    parse: an SDK client, a hook, Variable.get, a connection lookup."""

    call: str  # qualified name as written through the imports
    category: str  # aws_sdk, gcp_sdk, azure_sdk, hook, variable, connection, kubernetes
    cloud: str | None
    location: Location
    conn_id: Value | None = None
    parameter: str | None = None
    arguments: dict[str, Value] = field(default_factory=dict)


@dataclass(slots=True)
class FunctionFact:
    """A module-level function of a Python file that may build DAGs or tasks (a factory), evaluated in the model
    stage with each call site's arguments (airflow/factories.py)."""

    name: str
    module: str | None
    location: Location
    source: str  # the function's source (dedented), placed at `line` when evaluated
    line: int
    imports: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Value] = field(default_factory=dict)


@dataclass(slots=True)
class FactoryCall:
    """A call, while a DAG is built, to a function imported from another module (maybe a factory of the
    repository): its arguments evaluated at the call site, and the DAG it is made in."""

    function: str  # qualified name as written through the imports
    near: str | None  # the calling file's module
    arguments: dict[str, Value]
    positional: list[Value]
    unknown_spreads: list[str]
    location: Location
    key: str  # identifies the call (and the placeholder DAG it may return)
    dag: DagFact | None = None  # the DAG the call is made in (a placeholder when a factory returns it)
    group: str | None = None
    default_args: dict[str, Value] = field(default_factory=dict)
    default_args_unknown: list[str] = field(default_factory=list)
    dag_arguments: dict[str, DagFact] = field(default_factory=dict)  # parameter name or "#index" -> DAG passed


@dataclass(slots=True)
class DagFileFacts:
    dags: list[DagFact] = field(default_factory=list)
    tasks: list[TaskFact] = field(default_factory=list)
    operator_classes: list[OperatorClass] = field(default_factory=list)
    module_calls: list[ModuleCall] = field(default_factory=list)
    config_reads: list[dict[str, Any]] = field(default_factory=list)  # sibling files the DAG reads: path, line, read
    functions: list[FunctionFact] = field(default_factory=list)  # module-level functions (possible factories)
    factory_calls: list[FactoryCall] = field(default_factory=list)  # calls to functions imported from elsewhere


@dataclass(slots=True)
class ConnectionDefinition:
    """An Airflow connection defined in a file: `definition` holds secret-free facts only."""

    conn_id: str
    source: str  # export, env_file, environment (compose/Helm), settings (Astro, community chart), cli_script, python
    definition: dict[str, Any]
    location: Location


@dataclass(slots=True)
class WorkerAccount:
    """A Kubernetes service account an Airflow component runs as, from Helm values (`workers.serviceAccount`)."""

    component: str
    name: str | None
    annotations: dict[str, Any]
    location: Location


@dataclass(slots=True)
class ConnectionFacts:
    definitions: list[ConnectionDefinition] = field(default_factory=list)
    worker_accounts: list[WorkerAccount] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SecretFact:
    """A secret found in a file: never its value, only a masked form and a fingerprint of it.

    category: format (a provider's credential shape), assignment (a literal given a secret-ish name), uri (the
    password of scheme://user:password@host), variable_default (a Terraform variable's default)."""

    detector: str
    title: str
    category: str
    name: str | None  # the name the value is assigned to, where one is
    location: Location  # of the value itself: line and column where it starts, end where it stops
    redacted: str
    fingerprint: str


@dataclass(slots=True)
class FileFacts:
    """Everything one parser learnt from one file. Exactly one of the kind-specific fields is filled."""

    source: SourceFile
    errors: list[FileError] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    hcl_blocks: list[HclBlock] = field(default_factory=list)
    hcl_attributes: dict[str, HclAttribute] = field(default_factory=dict)  # top level of .tfvars / .tfbackend
    plan: PlanFacts | None = None
    dag: DagFileFacts | None = None
    connections: ConnectionFacts | None = None
    secrets: list[SecretFact] = field(default_factory=list)
    installed_modules: dict[str, str] = field(default_factory=dict)  # a manifest's module key -> folder (as shown)
