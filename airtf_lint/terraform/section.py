"""The Terraform part of the model: module folders and calls, root modules with their backends, evaluated
resources of every module instance and plan, principals, grants and statements, and the Airflow connections
Terraform writes into secrets backends."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from airtf_lint.facts import FileFacts, FileKind, Location, is_unknown
from airtf_lint.parsers.text import UnreadableFile, read_text
from airtf_lint.sourcelines import SourceLines
from airtf_lint.terraform.airflow_connections import extract_connections
from airtf_lint.terraform.aws_iam import AwsIamExtractor
from airtf_lint.terraform.backends import locking
from airtf_lint.terraform.computed import COMPUTED_ATTRIBUTES
from airtf_lint.terraform.gcp_iam import GcpIamExtractor
from airtf_lint.terraform.installed import parse_module_folder, read_installed_modules
from airtf_lint.terraform.kubernetes import extract_kubernetes
from airtf_lint.terraform.modules import (
    SENSITIVE,
    ModuleEvaluator,
    ModuleFolder,
    local_source_dir,
)
from airtf_lint.terraform.outputs import secret_outputs
from airtf_lint.terraform.resources import (
    ResourceView,
    hcl_views,
    map_plans_to_source,
    plan_views,
)
from airtf_lint.yamlload import load_yaml

# Directories under a folder of this name hold reusable modules, never root modules, even when nothing calls them.
LIBRARY_FOLDERS = frozenset({"modules"})
MAX_FILE_READ = 1024 * 1024


def _at(location: Location) -> dict[str, Any]:
    return location.to_dict()


def _dir_of(path: str) -> str:
    parent = posixpath.dirname(path)
    return parent or "."


def _module_dirs(all_facts: Iterable[FileFacts]) -> dict[str, ModuleFolder]:
    dirs: dict[str, ModuleFolder] = {}
    for facts in all_facts:
        if facts.source.kind is FileKind.TERRAFORM:
            d = _dir_of(facts.source.path)
            dirs.setdefault(d, ModuleFolder(d)).files.append(facts)
    return dirs


def _module_calls(dirs: dict[str, ModuleFolder]) -> list[dict[str, Any]]:
    calls = []
    for module in dirs.values():
        for block in module.blocks("module"):
            source = block.attributes.get("source")
            local_dir = local_source_dir(module.dir, block)
            calls.append({
                "name": block.labels[0] if block.labels else "",
                "caller_dir": module.dir,
                "source": source.value if source and isinstance(source.value, str) else None,
                "local_dir": local_dir,
                "resolved": local_dir in dirs,
                **_at(block.location),
            })
    return calls


def _backend(module: ModuleFolder) -> dict[str, Any] | None:
    for terraform in module.blocks("terraform"):
        for nested in terraform.blocks:
            if nested.type == "backend":
                return {"type": nested.labels[0] if nested.labels else "", "config": nested.values(),
                        **_at(nested.location)}
            if nested.type == "cloud":
                return {"type": "cloud", "config": nested.values(), **_at(nested.location)}
    return None


def _roots(dirs: dict[str, ModuleFolder], called: set[str],
           backend_files: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    roots = []
    for module in sorted(dirs.values(), key=lambda m: m.dir):
        block = next(iter(module.blocks("terraform")), None) or next(iter(module.blocks("provider")), None)
        if block is None or module.dir in called or LIBRARY_FOLDERS & set(module.dir.split("/")):
            continue
        backend = _backend(module)
        config_files = backend_files.get(module.dir, [])
        if backend is not None:
            backend["locking"] = locking(backend["type"], [backend["config"], *(f["config"] for f in config_files)])
        roots.append({"dir": module.dir, "backend": backend, "backend_config_files": config_files,
                      **_at(block.location)})
    return roots


def _backend_config_files(all_facts: Iterable[FileFacts], module_dirs: Iterable[str]) -> dict[str, list[dict]]:
    """-backend-config files belong to the nearest module directory at or above them."""
    known = set(module_dirs)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for facts in all_facts:
        if facts.source.kind is not FileKind.TFBACKEND or facts.errors:
            continue
        d = _dir_of(facts.source.path)
        while d not in known and d not in (".", "", "/"):
            d = _dir_of(d)
        config = {name: attr.value for name, attr in facts.hcl_attributes.items()}
        out[d].append({"path": facts.source.path, "config": config})
    return out


@cache
def sensitive_attributes() -> dict[str, frozenset[str]]:
    text = resources.files("airtf_lint").joinpath("data/sensitive_attributes.yaml").read_text("utf-8")
    return {k: frozenset(v) for k, v in load_yaml(text).items()}


def _redacted(resource_type: str, values: dict[str, Any]) -> dict[str, Any]:
    hidden = sensitive_attributes().get(resource_type)
    if not hidden:
        return values
    return {k: (SENSITIVE if k in hidden and v is not None and not is_unknown(v) else v) for k, v in values.items()}


def _resource(view: ResourceView) -> dict[str, Any]:
    from_hcl = view.source == "hcl"
    extra = {"plan_path": view.plan_location.path, "plan_line": view.plan_location.line} if view.plan_location else {}
    return {
        "address": view.address, "mode": view.mode, "type": view.type, "name": view.local_address.rsplit(".", 1)[-1],
        "module_path": view.address[: -len(view.local_address) - 1] if view.address != view.local_address else "",
        "dir": _dir_of(view.location.path), "root": view.group if from_hcl else None,
        "source": view.source, "values": _redacted(view.type, view.values), **_at(view.location), **extra,
    }


def _index_by(items: list[dict[str, Any]], key: str) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        index[item[key]].append(position)
    return dict(index)


def _file_reader(cwd: Path | None) -> Callable[[str], str | None]:
    """file() may read files under the working directory only, and small text ones."""
    base = cwd.resolve() if cwd is not None else None

    def read(path: str) -> str | None:
        if base is None:
            return None
        candidate = (base / path).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file() or candidate.stat().st_size > MAX_FILE_READ:
            return None
        try:
            return read_text(candidate)
        except UnreadableFile:
            return None

    return read


def _installed_modules(roots: list[str], cwd: Path | None, dirs: dict[str, ModuleFolder]) -> dict[tuple[str, str], str]:
    """Registry and git modules that `terraform init` put under <root>/.terraform/modules: read from there (never
    downloaded), added to `dirs`, and keyed by (root, module key) for the module calls that use them."""
    found: dict[tuple[str, str], str] = {}
    if cwd is None:
        return found
    for root in roots:
        for key, folder in read_installed_modules(cwd, root).items():
            if folder not in dirs:
                facts = parse_module_folder(cwd, folder)
                if not facts:
                    continue
                dirs[folder] = ModuleFolder(folder, facts)
            found[(root, key)] = folder
    return found


def terraform_section(all_facts: list[FileFacts], var_files: list[FileFacts], cwd: Path | None,
                      lines: SourceLines | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """input.terraform, and the Airflow connection definitions found in Terraform (for input.airflow)."""
    dirs = _module_dirs(all_facts)
    calls = _module_calls(dirs)
    called = {c["local_dir"] for c in calls if c["local_dir"]}
    tfvars = {f.source.path: f for f in all_facts if f.source.kind is FileKind.TFVARS and not f.errors}
    roots = _roots(dirs, called, _backend_config_files(all_facts, dirs))
    installed = _installed_modules([r["dir"] for r in roots], cwd, dirs)
    evaluator = ModuleEvaluator(dirs, tfvars, var_files, _file_reader(cwd), COMPUTED_ATTRIBUTES, installed)
    instances = evaluator.build([r["dir"] for r in roots])
    for call in calls:
        call["resolved"] = call["resolved"] or (call["caller_dir"], call["name"]) in installed
    hcl, plan = hcl_views(evaluator, instances), plan_views(all_facts)
    map_plans_to_source(plan, hcl)
    views = hcl + plan
    resources = [_resource(v) for v in views]
    aws_extractor = AwsIamExtractor(views, lines.lines if lines is not None else None, evaluator.origin_of)
    gcp_extractor = GcpIamExtractor(views)
    aws, gcp = aws_extractor.extract(), gcp_extractor.extract()
    kubernetes = extract_kubernetes(views, aws_extractor, gcp_extractor)
    section = {
        "modules": [{"dir": d, "files": [f.source.path for f in m.files], "called": d in called}
                    for d, m in sorted(dirs.items())],
        "module_calls": calls,
        "roots": roots,
        "module_instances": [{"address": i.address, "dir": i.folder.dir, "root": i.root} for i in instances],
        "resources": resources,
        "resources_by_type": _index_by(resources, "type"),
        "principals": aws.pop("principals") + gcp.pop("principals") + kubernetes.pop("principals"),
        "policies": aws.pop("policies"),
        "grants": aws.pop("grants"),
        "statements": aws["statements"],
        "statements_by_principal": _index_by(aws.pop("statements"), "principal"),
        "aws": aws,
        "gcp": gcp,
        "kubernetes": kubernetes,
        "plans": [{"path": f.source.path, "format_version": f.plan.format_version,
                   "terraform_version": f.plan.terraform_version} for f in all_facts if f.plan is not None],
        "changes": [{"plan": f.source.path, **c} for f in all_facts if f.plan is not None for c in f.plan.changes],
        "secret_outputs": secret_outputs({d: list(m.blocks()) for d, m in dirs.items()},
                                         lambda t: sensitive_attributes().get(t, frozenset())),
        "state_files": [{"path": f.source.path, "kind": "backup" if f.source.path.endswith(".backup") else "state",
                         "line": 1} for f in all_facts if f.source.kind is FileKind.STATE],
        "notes": evaluator.notes,
    }
    return section, extract_connections(views)
