"""Rule packs: directories of `.rego` files, each rule one file whose OPA `# METADATA` block names its id, severity,
category and remediation. Files without a METADATA id are helper libraries; `*_test.rego` files are unit tests."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from airtf_lint.yamlload import load_untrusted_yaml

SEVERITIES = ("info", "low", "medium", "high", "critical")
CATEGORIES = ("privilege", "identity", "secret", "state", "workflow")
_PACKAGE = re.compile(r"^package\s+([A-Za-z_][\w.]*)", re.M)


class RulePackError(Exception):
    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(f"{path}:{line or 1}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class RuleMeta:
    id: str
    title: str
    description: str
    severity: str
    category: str
    remediation: str
    package: str
    path: str
    severity_configured: bool = False  # set by the configuration: then it wins over a result's own severity

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "severity": self.severity,
                "category": self.category, "remediation": self.remediation, "package": self.package,
                "path": self.path}


@dataclass
class RulePack:
    rules: list[RuleMeta] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)  # file name -> Rego source (rules and libraries)
    tests: dict[str, str] = field(default_factory=dict)  # file name -> Rego source of *_test.rego

    def rule(self, rule_id: str) -> RuleMeta | None:
        return next((r for r in self.rules if r.id == rule_id), None)


# The built-in pack's metadata is validated by its own test suite (tests/test_rule_pack.py), not at every run.
VALIDATE_BUILTIN = False


def builtin_rules_dir() -> Path:
    """The rule pack inside the wheel; in a source checkout, the repository's top-level rules/."""
    packaged = Path(str(resources.files("airtf_lint"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


FULL_PACK_MARKER = Path("lib") / "airtf.rego"


def is_full_pack(directory: Path) -> bool:
    """A rule directory holding the helper library `lib/airtf.rego` is a whole pack (the built-in one, a checkout
    of it, or a fork): it replaces the built-in pack instead of adding to it."""
    return (directory / FULL_PACK_MARKER).is_file()


def pack_directories(rule_dirs: Sequence[Path]) -> list[Path]:
    """The directories to load: the built-in pack, then the extra ones, unless one of those is a whole pack."""
    extra = list(dict.fromkeys(rule_dirs))
    return extra if any(is_full_pack(d) for d in extra) else [builtin_rules_dir(), *extra]


def _metadata_schema() -> dict[str, Any]:
    text = resources.files("airtf_lint").joinpath("schemas/rule-metadata.schema.json").read_text("utf-8")
    return json.loads(text)


def parse_metadata(source: str, path: str) -> tuple[dict[str, Any] | None, int]:
    """The first `# METADATA` block as YAML, and the line it starts on."""
    lines = source.splitlines()
    for number, line in enumerate(lines, start=1):
        if line.strip() == "# METADATA":
            body = []
            for following in lines[number:]:
                if not following.startswith("#"):
                    break
                body.append(following[2:] if following.startswith("# ") else following[1:])
            try:
                data = load_untrusted_yaml("\n".join(body))
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                raise RulePackError(path, number + 1 + (mark.line if mark else 0),
                                    f"METADATA is not valid YAML: {getattr(exc, 'problem', exc)}") from None
            if not isinstance(data, dict):
                raise RulePackError(path, number, "METADATA must be a YAML mapping")
            return data, number
    return None, 0


def _validate(metadata: dict[str, Any], path: str, line: int, validator: Any) -> None:
    error = next(iter(sorted(validator.iter_errors(metadata), key=lambda e: list(e.path))), None)
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "METADATA"
        raise RulePackError(path, line, f"invalid METADATA at {where}: {error.message}")


def load_rule_pack(directories: Sequence[Path], shown: dict[Path, str] | None = None) -> RulePack:
    pack = RulePack()
    validator = None  # built when a pack other than the built-in one is read (jsonschema costs 0.1 s to import)
    seen_ids: dict[str, str] = {}
    for directory in directories:
        if not directory.is_dir():
            raise RulePackError(str(directory), None, "rule directory does not exist")
        validate = VALIDATE_BUILTIN or directory.resolve() != builtin_rules_dir().resolve()
        for file in sorted(directory.rglob("*.rego")):
            name = (shown or {}).get(directory, str(directory)) + "/" + file.relative_to(directory).as_posix()
            try:
                source = file.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RulePackError(name, None, f"cannot read rule file: {exc}") from None
            if file.name.endswith("_test.rego"):
                pack.tests[name] = source
                continue
            pack.modules[name] = source
            metadata, line = parse_metadata(source, name)
            if metadata is None or "custom" not in metadata:
                continue  # a helper library
            if validate:
                if validator is None:
                    import jsonschema

                    validator = jsonschema.Draft202012Validator(_metadata_schema())
                _validate(metadata, name, line, validator)
            package = _PACKAGE.search(source)
            if package is None:
                raise RulePackError(name, None, "rule file has no package declaration")
            custom = metadata["custom"]
            if custom["id"] in seen_ids:
                raise RulePackError(name, line, f"duplicate rule id {custom['id']} (also in {seen_ids[custom['id']]})")
            seen_ids[custom["id"]] = name
            pack.rules.append(RuleMeta(
                id=custom["id"], title=metadata["title"], description=str(metadata.get("description", "")).strip(),
                severity=custom["severity"], category=custom["category"], remediation=custom["remediation"].strip(),
                package=package.group(1), path=name,
            ))
    pack.rules.sort(key=lambda r: r.id)
    return pack
