"""The OPA server backend: the same rule pack and model, evaluated on a running OPA (1.0 or later) through
opa-python-client, for organisations that run OPA centrally.

Two modes. `push` (the default): every module of the pack, and the generated aggregator, is uploaded with the
Policy API (`PUT /v1/policies/airtf-lint/<file>`; modules this pack no longer has are deleted), then one Data API
query (`POST /v1/data/airtf_lint_internal/evaluate/results` with the model as `input`) returns every rule's
`deny` set. `bundle`: the rules are already on the server (a bundle the organisation distributes); each rule's
`deny` is queried on its own, nothing is uploaded.

The model is sent with its secrets masked, as when it is printed (OPA's decision logs record every input). The
token comes from an environment variable (never a flag: flags land in shell history and CI logs); TLS is
verified against the system store or the configured CA bundle. Every failure becomes one clear EngineError.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airtf_lint.engine import (
    RESULTS_PACKAGE,
    EngineError,
    Evaluation,
    aggregator_module,
    normalise,
)
from airtf_lint.rulepack import RulePack

POLICY_PREFIX = "airtf-lint/"
DEFAULT_TOKEN_ENV = "AIRTF_LINT_OPA_TOKEN"


@dataclass(frozen=True)
class OpaSettings:
    url: str
    mode: str = "push"  # push | bundle
    token_env: str = DEFAULT_TOKEN_ENV
    ca_bundle: str | None = None
    timeout: float = 10.0


def policy_id(file_name: str) -> str:
    return POLICY_PREFIX + re.sub(r"[^A-Za-z0-9_.-]+", "_", file_name.strip("/"))


class OpaEngine:
    name = "opa"

    def __init__(self, pack: RulePack, settings: OpaSettings) -> None:
        self._pack = pack
        self._settings = settings
        self._client = self._connect()
        if settings.mode == "push":
            self._push()  # its first request, listing the policies, is also the reachability check
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

    def _push(self) -> None:
        modules = {**self._pack.modules, "airtf_lint_internal/evaluate.rego": aggregator_module(self._pack)}
        wanted = {policy_id(name): source for name, source in modules.items()}
        existing = self._call("list its policies", self._client.get_policies_list)
        for stale in sorted(set(existing) - set(wanted)):
            if stale.startswith(POLICY_PREFIX):
                self._call(f"delete policy {stale}", self._client.delete_policy, stale)
        for identifier, source in wanted.items():
            self._call(f"load policy {identifier}", self._client.update_policy_from_string, source, identifier,
                       rego_compat=False)

    def _query(self, package: str, rule: str, model: dict[str, Any]) -> Any:
        answer = self._call(f"evaluate {package}.{rule}", self._client.query_rule, model, package, rule)
        return answer.get("result") if isinstance(answer, dict) else None

    def evaluate(self, model: dict[str, Any]) -> Evaluation:
        from airtf_lint.redaction import redact_document

        # The model leaves the process here (and OPA's decision logs record inputs): secrets are masked first.
        model = redact_document(model, frozenset(s["fingerprint"] for s in model.get("secrets", [])))
        if self._settings.mode == "push":
            return Evaluation(normalise(self._query(RESULTS_PACKAGE, "results", model)))
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
