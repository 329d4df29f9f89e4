"""Module instances: every root module, and every local module it calls (recursively), evaluated with its inputs.

A root's variables come from their defaults, then terraform.tfvars, *.auto.tfvars and --var-file files, in
Terraform's order of precedence. A local module call (`source = "./..."`) instantiates the called folder with the
call's arguments, evaluated in the caller's scope. A folder no root reaches is evaluated once on its own, with its
defaults. References between blocks (`aws_iam_role.r.name`, `data.x.y.json`, `module.m.output`) are resolved lazily
within an instance, with a guard against cycles.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airtf_lint.facts import (
    FileFacts,
    HclAttribute,
    HclBlock,
    Location,
    is_unknown,
    unknown,
)
from airtf_lint.terraform.evaluate import Scope, evaluate, traverse
from airtf_lint.terraform.ir import Ref
from airtf_lint.terraform.values import has_unknown, to_string
from airtf_lint.terraform.types import apply_type

LOCAL_SOURCE_PREFIXES = ("./", "../")
MAX_INSTANCES = 5000
MAX_DEPTH = 12
MAX_REPEAT = 1000  # instances of one counted or for_each block
# Meta-arguments of a module block: not inputs of the called module.
MODULE_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
SENSITIVE = {"__sensitive__": True}
# Not values of an instance (as in a plan's values): copying a for_each map into each of its N instances is N².
REPETITION_META = frozenset({"count", "for_each"})

ComputedAttributes = Callable[[dict[str, Any]], dict[str, Any]]


def parse_template(text: str) -> Any:
    """templatefile()'s parser, imported when a template is rendered (the HCL parser is not needed to evaluate
    facts the cache already holds)."""
    from airtf_lint.parsers.hcl import parse_template as parse

    return parse(text)


def join_dir(base: str, relative: str) -> str:
    joined = posixpath.normpath(posixpath.join(base, relative)) if base != "." else posixpath.normpath(relative)
    return joined


def local_source_dir(caller_dir: str, block: HclBlock) -> str | None:
    source = block.attributes.get("source")
    value = source.value if source else None
    if isinstance(value, str) and value.startswith(LOCAL_SOURCE_PREFIXES):
        return join_dir(caller_dir, value)
    return None


@dataclass
class ModuleFolder:
    dir: str
    files: list[FileFacts] = field(default_factory=list)

    def blocks(self, block_type: str | None = None) -> Iterable[HclBlock]:
        for facts in self.files:
            for block in facts.hcl_blocks:
                if block_type is None or block.type == block_type:
                    yield block


@dataclass
class Instance:
    address: str  # "" for a root module, "module.a.module.b" below it
    folder: ModuleFolder
    root: str | None  # the root module's folder; None for a folder evaluated on its own
    scope: Scope
    children: dict[str, Instance] = field(default_factory=dict)
    parent: Instance | None = None
    key_path: str = ""  # "a.b": the module names from the root, without instance keys (.terraform/modules keys)
    # module name -> ("count"|"for_each", {key: instance}) for a repeated module call
    repeated: dict[str, tuple[str, dict[Any, Instance]]] = field(default_factory=dict)


def _variable_defaults(folder: ModuleFolder) -> tuple[dict[str, Any], set[str]]:
    values: dict[str, Any] = {}
    sensitive: set[str] = set()
    for block in folder.blocks("variable"):
        if not block.labels:
            continue
        name = block.labels[0]
        default = block.attributes.get("default")
        values[name] = default.value if default is not None else unknown(f"var.{name}")
        flag = block.attributes.get("sensitive")
        if flag is not None and flag.value is True:
            sensitive.add(name)
    return values, sensitive


def _typed(folder: ModuleFolder, values: dict[str, Any]) -> dict[str, Any]:
    """Apply each variable's type constraint (optional attributes and their defaults) to its value."""
    types = {b.labels[0]: b.attributes["type"].expr for b in folder.blocks("variable")
             if b.labels and "type" in b.attributes}
    return {name: apply_type(value, types.get(name)) for name, value in values.items()}


def _hide_sensitive(values: dict[str, Any], sensitive: set[str]) -> dict[str, Any]:
    return {k: (SENSITIVE if k in sensitive and not is_unknown(v) else v) for k, v in values.items()}


def tfvars_order(paths: Iterable[str], root_dir: str) -> list[str]:
    """terraform.tfvars(.json) first, then *.auto.tfvars(.json) alphabetically: later files win."""
    mine = [p for p in paths if posixpath.dirname(p) == ("" if root_dir == "." else root_dir)]
    base = [p for p in mine if posixpath.basename(p) in ("terraform.tfvars", "terraform.tfvars.json")]
    auto = sorted(p for p in mine if posixpath.basename(p).endswith((".auto.tfvars", ".auto.tfvars.json")))
    return sorted(base) + auto


class ModuleEvaluator:
    """Builds the instances of a tree of Terraform folders and evaluates their blocks on demand."""

    def __init__(self, folders: Mapping[str, ModuleFolder], tfvars: Mapping[str, FileFacts],
                 var_files: Iterable[FileFacts] = (), read_file: Callable[[str], str | None] | None = None,
                 computed: Mapping[str, ComputedAttributes] | None = None,
                 installed: Mapping[tuple[str, str], str] | None = None) -> None:
        self.folders = folders
        # (root folder, module key "a.b") -> folder of a registry/git module that `terraform init` installed
        self.installed = installed or {}
        self.tfvars = tfvars
        self.var_files = list(var_files)
        self.read_file = read_file
        self.computed = computed or {}
        self.instances: list[Instance] = []
        self._origins: dict[int, Location] = {}  # id(nested block value) -> where the block is written
        self._values: dict[tuple[int, str], Any] = {}
        self._in_progress: set[tuple[int, str]] = set()
        # What was cut short on purpose (capped repetition, module cycles, depth): input.notes, never silent.
        self.notes: list[dict[str, Any]] = []

    def _note(self, location: Location, message: str) -> None:
        note = {"path": location.path, "line": location.line, "message": message}
        if note not in self.notes:
            self.notes.append(note)

    # --- instances -----------------------------------------------------------------------------------------------

    def build(self, roots: Iterable[str]) -> list[Instance]:
        reached: set[str] = set()
        for root in roots:
            if root in self.folders:
                variables = self._root_variables(root)
                self._instantiate(self.folders[root], "", root, variables, (root,), reached)
        for folder_dir, folder in sorted(self.folders.items()):
            if folder_dir not in reached:
                defaults, sensitive = _variable_defaults(folder)
                self._instantiate(folder, "", None, _hide_sensitive(_typed(folder, defaults), sensitive),
                                  (folder_dir,), reached)
        return self.instances

    def _root_variables(self, root: str) -> dict[str, Any]:
        folder = self.folders[root]
        values, sensitive = _variable_defaults(folder)
        for path in tfvars_order(self.tfvars, root):
            values.update({n: a.value for n, a in self.tfvars[path].hcl_attributes.items()})
        for facts in self.var_files:
            values.update({n: a.value for n, a in facts.hcl_attributes.items()})
        return _hide_sensitive(_typed(folder, values), sensitive)

    def _instantiate(self, folder: ModuleFolder, address: str, root: str | None, variables: dict[str, Any],
                     stack: tuple[str, ...], reached: set[str], parent: Instance | None = None,
                     key_path: str = "") -> Instance | None:
        if len(self.instances) >= MAX_INSTANCES:
            self._note(Location(folder.dir, 1), f"more than {MAX_INSTANCES} module instances: "
                                                f"{address or folder.dir} and later ones are not analysed")
            return None
        reached.add(folder.dir)
        locals_ = {name: attr.expr for block in folder.blocks("locals") for name, attr in block.attributes.items()
                   if attr.expr is not None}
        instance = Instance(address, folder, root, Scope(variables=variables, locals=locals_, module_dir=folder.dir,
                                                         root_dir=root or folder.dir, read_file=self.read_file,
                                                         parse_template=parse_template),
                            parent=parent, key_path=key_path)
        instance.scope.resolve = self._resolver(instance)
        self.instances.append(instance)
        if len(stack) > MAX_DEPTH:
            self._note(Location(folder.dir, 1), f"modules nested deeper than {MAX_DEPTH} levels: the calls in "
                                                f"{folder.dir} are not followed")
            return instance
        for call in folder.blocks("module"):
            if not call.labels:
                continue
            child_dir = local_source_dir(folder.dir, call)
            name = call.labels[0]
            child_key_path = f"{key_path}.{name}" if key_path else name
            if child_dir is None and root is not None:
                child_dir = self.installed.get((root, child_key_path))
            if child_dir is None or child_dir not in self.folders:
                continue
            if child_dir in stack:
                self._note(call.location, f"module cycle: module \"{name}\" calls {child_dir}, which is "
                                          f"already on the call chain {' -> '.join(stack)}; not followed")
                continue
            defaults, sensitive = _variable_defaults(self.folders[child_dir])
            child_folder = self.folders[child_dir]
            base_address = f"{address}.module.{name}" if address else f"module.{name}"
            mode, scopes = self._repetition(instance, call)
            made: dict[Any, Instance] = {}
            for index, scope in scopes:
                inputs = {n: evaluate(attr.expr, scope) if attr.expr is not None else attr.value
                          for n, attr in call.attributes.items() if n not in MODULE_META}
                suffix = "" if index is None else (f"[{index}]" if mode == "count" else f"[{json.dumps(index)}]")
                child = self._instantiate(child_folder, base_address + suffix, root,
                                          _hide_sensitive(_typed(child_folder, {**defaults, **inputs}), sensitive),
                                          stack + (child_dir,), reached, instance, child_key_path)
                if child is not None:
                    made[index] = child
            if not made:
                continue
            if mode in ("count", "for_each"):
                instance.repeated[name] = (mode, made)
            instance.children[name] = next(iter(made.values()))
        return instance

    # --- evaluation ----------------------------------------------------------------------------------------------

    def attribute(self, instance: Instance, attr: HclAttribute) -> Any:
        return evaluate(attr.expr, instance.scope) if attr.expr is not None else attr.value

    def expand(self, instance: Instance, block: HclBlock) -> tuple[str, list[tuple[Any, dict[str, Any]]]]:
        """A block's instances and their values: ("single", [(None, values)]); ("count", [(0, values), ...]);
        ("for_each", [("key", values), ...]); or ("unknown", [(None, values)]) when count/for_each cannot be
        known, evaluated with count.index / each.* unknown."""
        key = (id(instance), f"{block.type}:{'.'.join(block.labels)}:{block.location.path}:{block.location.line}")
        if key in self._values:
            return self._values[key]
        if key in self._in_progress:
            return "unknown", [(None, unknown(".".join(block.labels)))]
        self._in_progress.add(key)
        try:
            mode, scopes = self._repetition(instance, block)
            result = mode, [(index, self._computed(instance, block, self._evaluate_block(instance, block, scope,
                                                                                          REPETITION_META)))
                            for index, scope in scopes]
        finally:
            self._in_progress.discard(key)
        self._values[key] = result
        return result

    def block_values(self, instance: Instance, block: HclBlock) -> dict[str, Any]:
        """Values of a block that is not repeated (or of its first instance)."""
        _, items = self.expand(instance, block)
        return items[0][1] if items else {}

    def _repetition(self, instance: Instance, block: HclBlock) -> tuple[str, list[tuple[Any, Scope]]]:
        scope = instance.scope
        if "count" in block.attributes:
            count = self.attribute(instance, block.attributes["count"])
            if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
                self._cap(block, count)
                return "count", [(i, scope.child({"count": {"index": i}})) for i in range(min(count, MAX_REPEAT))]
            return "unknown", [(None, scope)]
        if "for_each" in block.attributes:
            collection = self.attribute(instance, block.attributes["for_each"])
            if isinstance(collection, list) and not has_unknown(collection):
                collection = {to_string(v): v for v in collection if to_string(v) is not None}
            if isinstance(collection, dict) and not is_unknown(collection):
                self._cap(block, len(collection))
                items = list(collection.items())[:MAX_REPEAT]
                return "for_each", [(k, scope.child({"each": {"key": k, "value": v}})) for k, v in items]
            return "unknown", [(None, scope)]
        return "single", [(None, scope)]

    def _cap(self, block: HclBlock, wanted: int) -> None:
        if wanted > MAX_REPEAT:
            self._note(block.location, f"{block.type} {'.'.join(block.labels)} has {wanted} instances; only the "
                                       f"first {MAX_REPEAT} are analysed")

    def _computed(self, instance: Instance, block: HclBlock, values: dict[str, Any]) -> dict[str, Any]:
        if block.type in ("resource", "data") and block.labels:
            kind = block.labels[0] if block.type == "resource" else f"data.{block.labels[0]}"
            extra = self.computed.get(kind)
            if extra is not None:
                given = values
                if block.labels[0].startswith("google_") and values.get("project") is None:
                    # The provider's project applies to a resource that names none (as Terraform fills it in).
                    project = self.provider_setting(instance, "google", "project") or \
                        self.provider_setting(instance, "google-beta", "project")
                    if project is not None:
                        given = {**values, "project": project}
                return {**values, **extra(given)}
        return values

    def origin_of(self, value: Any) -> Location | None:
        """Where a nested block's evaluated value was written (for dynamic blocks: their content block)."""
        return self._origins.get(id(value))

    def _evaluate_block(self, instance: Instance, block: HclBlock, scope: Scope | None = None,
                        skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        scope = scope or instance.scope
        out: dict[str, Any] = {name: evaluate(attr.expr, scope) if attr.expr is not None else attr.value
                               for name, attr in block.attributes.items() if name not in skip}
        for nested in block.blocks:
            if nested.type == "dynamic" and nested.labels:
                out.setdefault(nested.labels[0], []).extend(self._expand_dynamic(instance, nested, scope))
                continue
            value = self._evaluate_block(instance, nested, scope)
            self._origins[id(value)] = nested.location
            out.setdefault(nested.type, []).append(value)
        return out

    def _expand_dynamic(self, instance: Instance, dynamic: HclBlock, scope: Scope) -> list[Any]:
        """`dynamic "x" { for_each = ...; iterator = it; content { ... } }`: one block per element when the
        collection is known; otherwise one unknown, so that readers know blocks may be missing."""
        content = dynamic.first_block("content")
        for_each = dynamic.attributes.get("for_each")
        collection = evaluate(for_each.expr, scope) if for_each is not None and for_each.expr is not None else None
        if content is None or is_unknown(collection) or not isinstance(collection, (list, dict)):
            return [unknown(f"dynamic {dynamic.labels[0]}")]
        iterator = dynamic.attributes.get("iterator")
        name = iterator.expr.root if iterator is not None and isinstance(iterator.expr, Ref) else dynamic.labels[0]
        pairs = collection.items() if isinstance(collection, dict) else enumerate(collection)
        out = []
        for key, element in pairs:
            value = self._evaluate_block(instance, content, scope.child({name: {"key": key, "value": element}}))
            self._origins[id(value)] = content.location
            out.append(value)
        return out

    def _outputs(self, child: Instance) -> dict[str, Any]:
        """Every output of a module instance, as the object `module.x["key"]` is."""
        out = {}
        for block in child.folder.blocks("output"):
            if block.labels and "value" in block.attributes:
                value = self.attribute(child, block.attributes["value"])
                if is_unknown(value):  # keep what it refers to inside the child, so links can follow it
                    value = {**value, "ref": {"module": child.address, "expr": value.get("expr")}}
                out[block.labels[0]] = value
        return out

    def provider_setting(self, instance: Instance, provider: str, setting: str) -> Any:
        """A setting of the default (unaliased) `provider` block an instance uses: its own folder's, else the
        nearest caller's (child modules inherit default provider configurations), evaluated there. None when no
        provider block sets it."""
        current: Instance | None = instance
        while current is not None:
            for block in current.folder.blocks("provider"):
                if block.labels and block.labels[0] == provider and "alias" not in block.attributes \
                        and setting in block.attributes:
                    return self.attribute(current, block.attributes[setting])
            current = current.parent
        return None

    def _find(self, instance: Instance, block_type: str, labels: tuple[str, ...]) -> HclBlock | None:
        return next((b for b in instance.folder.blocks(block_type) if b.labels[:len(labels)] == labels), None)

    def _resolver(self, instance: Instance) -> Callable[[str, tuple[str, ...]], Any]:
        def resolve(root: str, names: tuple[str, ...]) -> Any:
            text = ".".join((root, *names))
            if root == "module" and names and (names[0] in instance.repeated or len(names) == 1):
                if names[0] not in instance.repeated and names[0] not in instance.children:
                    return unknown(text)
                mode, made = instance.repeated.get(names[0], ("single", {None: instance.children[names[0]]}))
                objects = {k: self._outputs(child) for k, child in made.items()}
                collection: Any = (list(objects.values()) if mode == "count" else
                                   objects if mode == "for_each" else objects[None])
                return traverse(collection, names[1:], instance.scope, text)
            if root == "module" and len(names) >= 2:
                child = instance.children.get(names[0])
                output = self._find(child, "output", (names[1],)) if child else None
                if child is None or output is None or "value" not in output.attributes:
                    return unknown(text)
                value = self.attribute(child, output.attributes["value"])
                if is_unknown(value) and not names[2:]:
                    # Keep what the output refers to inside the child, so links can follow it (role ARNs...).
                    return {**unknown(text), "ref": {"module": child.address, "expr": value.get("expr")}}
                return traverse(value, names[2:], instance.scope, text)
            if root == "data" and len(names) >= 2:
                block = self._find(instance, "data", names[:2])
                rest = names[2:]
            elif names:
                block = self._find(instance, "resource", (root, names[0]))
                rest = names[1:]
            else:
                return unknown(text)
            if block is None:
                return unknown(text)
            mode, items = self.expand(instance, block)
            if mode == "unknown":
                return unknown(text)
            if mode == "count":
                return traverse([values for _, values in items], rest, instance.scope, text)
            if mode == "for_each":
                return traverse({k: values for k, values in items}, rest, instance.scope, text)
            return traverse(items[0][1], rest, instance.scope, text)

        return resolve
