"""The OPA server backend: the same rule pack and model, evaluated on a running OPA (1.0 or later) through
opa-python-client, for organisations that run OPA centrally.

Two modes. `push` (the default): every module of the pack, the generated aggregator and the `--data` documents
are uploaded with the Policy API, then one Data API query returns every rule's `deny` set. `bundle`: the rules
are already on the server (a bundle the organisation distributes); each rule's `deny` is queried on its own,
nothing is uploaded.

Push mode is safe on a shared server. Everything it uploads lives in a namespace named after a hash of what it
uploads (the pack's sources and the data): policy ids `<prefix>/<hash>/<file>`, and every package moved under
`data.<prefix>_<hash>` (`package airtf.lib` becomes `package airtf_lint_<hash>.airtf.lib`, and the references to
it are rewritten alike). Two runs of the same pack share the same policies byte for byte; two different packs
(another version, other custom rules, other data) never see each other's modules. Nothing is ever deleted: a
policy this run did not write may be another run's, in use right now.

The model is sent with its secrets masked, as when it is printed (OPA's decision logs record every input). The
token comes from an environment variable (never a flag: flags land in shell history and CI logs); TLS is
verified against the system store or the configured CA bundle. Every failure becomes one clear EngineError.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from airtf_lint.engine import (
    RESULTS_PACKAGE,
    EngineError,
    Evaluation,
    aggregator_module,
    normalise,
    package_roots,
)
from airtf_lint.rulepack import RulePack

POLICY_PREFIX = "airtf-lint"
DEFAULT_TOKEN_ENV = "AIRTF_LINT_OPA_TOKEN"
_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")


@dataclass(frozen=True)
class OpaSettings:
    url: str
    mode: str = "push"  # push | bundle
    token_env: str = DEFAULT_TOKEN_ENV
    ca_bundle: str | None = None
    timeout: float = 10.0
    prefix: str = POLICY_PREFIX  # policy ids start with it; the package namespace is derived from it


def policy_id(file_name: str, namespace: str = POLICY_PREFIX) -> str:
    return namespace + "/" + re.sub(r"[^A-Za-z0-9_.-]+", "_", file_name.strip("/"))


@dataclass(frozen=True)
class PushedPack:
    """The pack as uploaded: modules moved under one namespace package, keyed by policy id."""

    namespace: str  # the Rego root: data.<namespace>.airtf.lib ...
    policies: dict[str, str]  # policy id -> Rego source

    @property
    def results_path(self) -> tuple[str, str]:
        return f"{self.namespace}.{RESULTS_PACKAGE}", "results"


def pushed_pack(pack: RulePack, data: dict[str, Any] | None, prefix: str = POLICY_PREFIX) -> PushedPack:
    """Rewrite the pack (and the data, as a generated module) under a namespace derived from its content."""
    if not _PREFIX.match(prefix):
        raise EngineError(f"opa.prefix {prefix!r} must start with a letter and hold only letters, digits, _ and -")
    modules = {_portable(name): source for name, source in pack.modules.items()}
    modules["airtf_lint_internal/evaluate.rego"] = aggregator_module(pack)
    data_module = _data_module(data or {})
    digest = hashlib.sha256()
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + modules[name].encode() + b"\0")
    digest.update(data_module.encode())
    short = digest.hexdigest()[:16]
    namespace = re.sub(r"[^A-Za-z0-9_]", "_", prefix) + "_" + short
    roots = sorted(package_roots(pack) | set(data or {}), key=len, reverse=True)
    reference = re.compile(r"\bdata\.(" + "|".join(map(re.escape, roots)) + r")\b")

    def moved(source: str) -> str:
        source = re.sub(r"^(\s*package\s+)([A-Za-z_][\w.]*)", lambda m: f"{m.group(1)}{namespace}.{m.group(2)}",
                        source, count=1, flags=re.M)
        return reference.sub(lambda m: f"data.{namespace}.{m.group(1)}", source)

    policies = {policy_id(name, f"{prefix}/{short}"): moved(source) for name, source in modules.items()}
    if data_module:
        policies[policy_id("data.rego", f"{prefix}/{short}")] = f"package {namespace}\n\n{data_module}"
    return PushedPack(namespace, policies)


def _portable(name: str) -> str:
    """A module's name without the install path (the built-in pack) or the working directory in it."""
    from airtf_lint.rulepack import builtin_rules_dir

    builtin = builtin_rules_dir().as_posix() + "/"
    if name.startswith(builtin):
        return "builtin/" + name[len(builtin):]
    cwd = Path.cwd().as_posix() + "/"
    return name[len(cwd):] if name.startswith(cwd) else name.lstrip("/")


def _data_module(data: dict[str, Any]) -> str:
    """The --data documents as Rego: JSON values are Rego terms, so each top-level key is one constant."""
    return "".join(f"{key} := {json.dumps(data[key], sort_keys=True)}\n" for key in sorted(data))


class OpaEngine:
    name = "opa"

    def __init__(self, pack: RulePack, settings: OpaSettings, data: dict[str, Any] | None = None) -> None:
        self._pack = pack
        self._settings = settings
        if settings.mode == "bundle" and data:
            raise EngineError("--data / `data:` cannot be used with opa.mode bundle: put the documents in the "
                              "bundle the server loads")
        self._pushed = pushed_pack(pack, data, settings.prefix) if settings.mode == "push" else None
        self._client = self._connect()
        if self._pushed is not None:
            self._push(self._pushed)  # its first request, listing the policies, is also the reachability check
        else:
            self._call("reach", self._client.get_policies_list)

    def _connect(self) -> Any:
        try:
            from opa_client.opa import OpaClient
        except ImportError:
            raise EngineError("the OPA backend needs opa-python-client: pip install 'airtf-lint[opa]'") from None
        settings = self._settings
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"OPA URL {settings.url!r} is not an http:// or https:// URL with a host")
        if parts.path not in ("", "/"):
            raise EngineError(f"OPA URL {settings.url!r}: give the server's root (the API is under /v1)")
        if settings.ca_bundle and not os.path.isfile(settings.ca_bundle):
            raise EngineError(f"OPA CA bundle {settings.ca_bundle} does not exist")
        ssl: Any = (settings.ca_bundle or True) if parts.scheme == "https" else False
        port = parts.port or (443 if parts.scheme == "https" else 80)
        token = os.environ.get(settings.token_env) or None
        return OpaClient(host=parts.hostname, port=port, ssl=ssl, token=token, timeout=settings.timeout, retries=0)

    def _call(self, doing: str, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one client call; turn whatever goes wrong into a sentence naming the server and the cause."""
        import requests

        where = self._settings.url
        try:
            return function(*args, **kwargs)
        except requests.exceptions.SSLError as exc:
            raise EngineError(f"TLS error talking to OPA at {where} ({_reason(exc)}); set opa.ca_bundle to the "
                              "CA that signed its certificate") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            if isinstance(exc, requests.exceptions.Timeout) or "timed out" in str(exc).lower():
                raise EngineError(f"OPA at {where} did not answer within {self._settings.timeout:g} s "
                                  "(opa.timeout)") from None
            raise EngineError(f"cannot reach OPA at {where}: {_reason(exc)}") from None
        except requests.exceptions.HTTPError as exc:
            raise EngineError(self._http_error(doing, exc.response)) from None
        except Exception as exc:  # noqa: BLE001 - the client raises its own types and bare ones
            message = getattr(exc, "message", None) or str(exc)
            raise EngineError(f"OPA at {where} refused to {doing}: {message}") from None

    def _http_error(self, doing: str, response: Any) -> str:
        status = getattr(response, "status_code", "?")
        try:
            body = response.json()
        except ValueError:
            body = {}
        message = body.get("message") or getattr(response, "reason", "") or "no message"
        if status in (401, 403):
            return (f"OPA at {self._settings.url} refused to {doing} (HTTP {status}: {message}); put its token in "
                    f"${self._settings.token_env}")
        return f"OPA at {self._settings.url} failed to {doing} (HTTP {status}: {message})"

    def _push(self, pushed: PushedPack) -> None:
        """Upload what the server does not hold yet. Policies are content-addressed, so one that exists is ours
        byte for byte (uploaded by an earlier or a concurrent run of the same pack); nothing is deleted."""
        existing = set(self._call("list its policies", self._client.get_policies_list) or ())
        for identifier, source in pushed.policies.items():
            if identifier in existing:
                continue
            self._call(f"load policy {identifier}", self._client.update_policy_from_string, source, identifier,
                       rego_compat=False)

    def _query(self, package: str, rule: str, model: dict[str, Any]) -> Any:
        answer = self._call(f"evaluate {package}.{rule}", self._client.query_rule, model, package, rule)
        return answer.get("result") if isinstance(answer, dict) else None

    def evaluate(self, model: dict[str, Any]) -> Evaluation:
        from airtf_lint.redaction import redact_document

        # The model leaves the process here (and OPA's decision logs record inputs): secrets are masked first.
        model = redact_document(model, frozenset(s["fingerprint"] for s in model.get("secrets", [])))
        if self._pushed is not None:
            return Evaluation(normalise(self._query(*self._pushed.results_path, model)))
        evaluation = Evaluation({})
        for rule in self._pack.rules:
            try:
                evaluation.results[rule.id] = normalise({rule.id: self._query(rule.package, "deny", model)})[rule.id]
            except EngineError as exc:
                evaluation.failures[rule.id] = str(exc)
        return evaluation


def _reason(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "certificate verify failed",
                   "No route to host", "timed out"):
        if marker in text:
            return marker.lower()
    return text.split("(Caused by")[-1].strip(" )")[:200] or type(exc).__name__
