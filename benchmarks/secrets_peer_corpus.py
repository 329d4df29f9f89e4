"""Generate a labelled secrets corpus from a peer's public test material, placed in Airflow and Terraform contexts.

    python benchmarks/secrets_peer_corpus.py --gitleaks /path/to/gitleaks-checkout OUT_DIR

gitleaks' rule generators (`cmd/generate/config/rules/*.go`) each hold the samples their rule must find (`tps`)
and must not find (`fps`): literal strings, and values built from a shape (`"dop_v1_" +
secrets.NewSecret(utils.Hex("64"))`), which this script builds itself (random, seeded). Only the rule files of
the providers in SCOPE are read (what airtf-lint claims to cover, and the formats of issue 19). Nothing of
gitleaks is copied into this repository: the corpus is generated into OUT_DIR, with a labels.yaml in the format of
benchmarks/secrets_accuracy.py (per file, the lines of true secrets, T, and of hard negatives, F) and the secret
kind (the rule file) of every labelled line.

Every bare sample (a token) is written into each of five file kinds under a name built from the rule's
identifier, rotating through the syntaxes real files use: a DAG (`NAME = "..."`, `os.environ["NAME"] = "..."`,
a dict entry, a keyword argument, `headers={"Authorization": "Bearer ..."}`), a `.tf` (a provider or resource
argument, a variable default), a `.tfvars`, a `.env` and a docker-compose `environment:` block. A sample that is
already a line (`cloudflare_api_key = "..."`, `'access_token': '...'`) is written verbatim where its syntax fits.
"""

from __future__ import annotations

import argparse
import random
import re
import string
from collections import defaultdict
from pathlib import Path

import yaml

SCOPE = (
    "aws", "gcp", "azure", "github", "gitlab", "slack", "stripe", "databricks", "hashicorp", "sendgrid", "pypi",
    "npm", "jwt", "privatekey", "cloudflare", "digitalocean", "perplexity", "age", "generic", "snowflake",
    "mailgun", "curl", "openai", "anthropic", "heroku", "twilio", "datadog", "okta",
)
_ALPHABETS = {
    "Hex": "0123456789abcdef", "Numeric": string.digits, "AlphaNumeric": string.ascii_letters + string.digits,
    "AlphaNumericExtendedShort": string.ascii_letters + string.digits + "_-",
    "AlphaNumericExtended": string.ascii_letters + string.digits + "=_-",
    "AlphaNumericExtendedLong": string.ascii_letters + string.digits + "=_-+/",
    "Hex8_4_4_4_12": None,
}
_GO_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`')
_NEW_SECRET = re.compile(r'secrets\.NewSecret\(\s*utils\.(\w+)\("(\d+)"\)\s*\)')
_NEW_SECRET_RAW = re.compile(r'secrets\.NewSecret\(\s*`\[([^\]`]+)\]\{(\d+)\}`\s*\)|'
                             r'secrets\.NewSecret\(\s*"\[([^\]"]+)\]\{(\d+)\}"\s*\)')
_SAMPLE_CALL = re.compile(r'utils\.GenerateSampleSecrets\(\s*"([\w.-]+)"\s*,')
_STATEMENT = re.compile(r"^\s*(tps|fps|truePositives|falsePositives)\s*(?::=|=)\s*", re.M)
_TOP_VAR = re.compile(r"^var\s+(\w+)\s*=\s*\[\]string\s*\{(.*?)^\}", re.M | re.S)


def _expand_class(spec: str) -> str:
    out = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _random(rng: random.Random, kind: str, size: int) -> str | None:
    if kind == "Hex8_4_4_4_12":
        return "-".join("".join(rng.choice("0123456789abcdef") for _ in range(n)) for n in (8, 4, 4, 4, 12))
    alphabet = _ALPHABETS.get(kind)
    if alphabet is None:
        return None
    return "".join(rng.choice(alphabet) for _ in range(size))


def _go_unquote(text: str) -> str:
    return bytes(text, "utf-8").decode("unicode_escape") if "\\" in text else text


def _string_expression(expr: str, rng: random.Random) -> str | None:
    """A Go string expression of literals and NewSecret(...) concatenated with `+`, evaluated; None if other."""
    out = []
    rest = expr.strip()
    while rest:
        found = _GO_STRING.match(rest)
        if found:
            out.append(_go_unquote(found.group(1)) if found.group(1) is not None else found.group(2))
        else:
            found = _NEW_SECRET.match(rest)
            if found:
                value = _random(rng, found.group(1), int(found.group(2)))
                if value is None:
                    return None
                out.append(value)
            else:
                found = _NEW_SECRET_RAW.match(rest)
                if not found:
                    return None
                spec, size = (found.group(1), found.group(2)) if found.group(1) else (found.group(3), found.group(4))
                alphabet = _expand_class(spec)
                out.append("".join(rng.choice(alphabet) for _ in range(int(size))))
        rest = rest[found.end():].strip()
        if rest.startswith("+"):
            rest = rest[1:].strip()
        elif rest:
            return None
    return "".join(out)


def _balanced(text: str, start: int) -> str:
    """The expression from `start` to the end of its statement (brackets balanced, strings skipped)."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char in "\"`":
            found = _GO_STRING.match(text, i)
            i = found.end() if found else i + 1
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return text[start:i]
        elif char == "\n" and depth == 0:
            return text[start:i]
        i += 1
    return text[start:]


def _split_arguments(text: str) -> list[str]:
    parts, depth, current, i = [], 0, [], 0
    while i < len(text):
        char = text[i]
        if char in "\"`":
            found = _GO_STRING.match(text, i)
            end = found.end() if found else i + 1
            current.append(text[i:end])
            i = end
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _samples(expr: str, arrays: dict[str, str], rng: random.Random, identifier: str) -> list[tuple[str, str]]:
    """(identifier, sample) of every string an expression of a tps/fps statement yields."""
    expr = re.sub(r"//[^\n]*", "", expr).strip()
    out: list[tuple[str, str]] = []
    if expr.startswith("append("):
        for arg in _split_arguments(expr[len("append("):-1]):
            arg = arg.removesuffix("...").strip()
            if arg in ("tps", "fps", "truePositives", "falsePositives"):
                continue
            out.extend(_samples(arg, arrays, rng, identifier))
        return out
    call = _SAMPLE_CALL.match(expr)
    if call:
        value = _string_expression(expr[call.end():].rstrip().removesuffix(")").removesuffix("..."), rng)
        return [(call.group(1), value)] if value is not None else []
    if expr.startswith("[]string{"):
        for arg in _split_arguments(expr[len("[]string{"):-1]):
            value = _string_expression(arg, rng)
            if value is not None:
                out.append((identifier, value))
        return out
    if expr in arrays:
        return _samples("[]string{" + arrays[expr] + "}", arrays, rng, identifier)
    return out


def rule_samples(source: str, rng: random.Random, identifier: str) -> tuple[list, list]:
    arrays = {name: body for name, body in _TOP_VAR.findall(source)}
    true, false = [], []
    for statement in _STATEMENT.finditer(source):
        expr = _balanced(source, statement.end())
        target = true if statement.group(1) in ("tps", "truePositives") else false
        target.extend(_samples(expr, arrays, rng, identifier))
    return true, false


# --- placing samples into files ---

_BARE = re.compile(r"^[\w.~+/@-]+=*$")
_PY_LINE = re.compile(r"""^[A-Za-z_][\w]*\s*=\s*(?:"[^"\n]*"|'[^'\n]*')$""")
_DICT_LINE = re.compile(r"""^(?:"[^"\n]*"|'[^'\n]*')\s*:\s*(?:"[^"\n]*"|'[^'\n]*')$""")
_ENV_LINE = re.compile(r"^[A-Za-z_][\w.]*=\S+$")
_YAML_LINE = re.compile(r"^[A-Za-z_][\w.-]*:\s+\S.*$")


# What makes a provider-shaped false sample a lookalike rather than a key: a character repeated, an alphabet run,
# a word saying it is not real.
_LOOKALIKE = re.compile(r"(.)\1{3}|abcdef|123456|(?i:here|example|random|fake|test|dummy|sample|xxxx)")


class Files:
    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = defaultdict(list)
        self.labels: dict[str, dict[str, list]] = defaultdict(lambda: {"T": [], "F": []})

    def add(self, path: str, lines: list[str], label_offset: int | None, truth: bool, kind: str) -> None:
        body = self.lines[path]
        if label_offset is not None:
            self.labels[path]["T" if truth else "F"].append({"line": len(body) + label_offset + 1, "kind": kind})
        body.extend(lines)


def _name(identifier: str) -> str:
    return re.sub(r"\W", "_", identifier).strip("_").lower() or "service"


def place_bare(files: Files, identifier: str, value: str, truth: bool, kind: str, n: int) -> None:
    """A true sample goes under a secret name; a false one (a lookalike of the rule's format, which is what a
    provider's `fps` are) under a name that holds no secret, so that it tests the format, not the name."""
    name = _name(identifier)
    upper = name.upper()
    key = (f"{name}_api_key" if n % 2 else f"{name}_token") if truth else f"{name}_build_id"
    if not truth:
        dag = [f'{upper}_BUILD_ID = "{value}"']
        files.add(f"dags/{kind}_dag.py", dag, 0, truth, kind)
        files.add(f"infra/{kind}.tf", [f'resource "null_resource" "{name}_{n}" {{', "  triggers = {",
                                        f'    {key} = "{value}"', "  }", "}"], 2, truth, kind)
        files.add(f"infra/{kind}.auto.tfvars", [f'{key} = "{value}"'], 0, truth, kind)
        files.add(f"config/{kind}/.env", [f"{upper}_BUILD_ID={value}"], 0, truth, kind)
        files.add(f"compose/{kind}/docker-compose.yml", [f"      {upper}_BUILD_ID: {value}"], 0, truth, kind)
        return
    dag = [
        [f'{upper}_TOKEN = "{value}"'],
        [f'os.environ["{upper}_API_KEY"] = "{value}"'],
        ["default_conn_extra = {", f'    "{key}": "{value}",', "}"],
        ["fetch = SimpleHttpOperator(", f'    task_id="fetch_{name}",', f'    {key}="{value}",', ")"],
        ["notify = SimpleHttpOperator(", f'    task_id="notify_{name}",',
         f'    headers={{"Authorization": "Bearer {value}"}},', ")"],
    ][n % 5]
    offset = {0: 0, 1: 0, 2: 1, 3: 2, 4: 2}[n % 5]
    files.add(f"dags/{kind}_dag.py", dag, offset, truth, kind)
    tf = [
        ([f'provider "{name}" {{', f'  api_token = "{value}"', "}"], 1),
        ([f'variable "{key}" {{', "  type    = string", f'  default = "{value}"', "}"], 2),
        ([f'resource "aws_ssm_parameter" "{name}_{n}" {{', f'  name  = "/{name}/{key}"',
          '  type  = "SecureString"', f'  value = "{value}"', "}"], 3),
    ][n % 3]
    files.add(f"infra/{kind}.tf", tf[0], tf[1], truth, kind)
    files.add(f"infra/{kind}.auto.tfvars", [f'{key} = "{value}"'], 0, truth, kind)
    files.add(f"config/{kind}/.env", [f"{upper}_{'API_KEY' if n % 2 else 'TOKEN'}={value}"], 0, truth, kind)
    files.add(f"compose/{kind}/docker-compose.yml", [f"      {upper}_SECRET: {value}"], 0, truth, kind)


def place_line(files: Files, line: str, truth: bool, kind: str) -> None:
    line = line.strip()
    if _PY_LINE.match(line):
        files.add(f"dags/{kind}_dag.py", [line], 0, truth, kind)
        files.add(f"infra/{kind}.auto.tfvars", [line], 0, truth, kind)
    elif _DICT_LINE.match(line):
        files.add(f"dags/{kind}_dag.py", ["settings = {", f"    {line},", "}"], 1, truth, kind)
    elif _ENV_LINE.match(line):
        files.add(f"config/{kind}/.env", [line], 0, truth, kind)
    elif _YAML_LINE.match(line):
        files.add(f"compose/{kind}/docker-compose.yml", [f"      {line}"], 0, truth, kind)


_HEADERS = {
    "dag": ["import os", "", "from airflow import DAG", "from airflow.providers.http.operators.http import "
            "SimpleHttpOperator", "", 'with DAG("peer_corpus", schedule=None):', "    pass", ""],
    "compose": ["services:", "  worker:", "    image: apache/airflow:2.9.0", "    environment:"],
}


def generate(gitleaks: Path, out: Path, seed: int = 19) -> dict:
    rng = random.Random(seed)
    files = Files()
    rules = gitleaks / "cmd" / "generate" / "config" / "rules"
    counts: dict[str, list[int]] = {}
    for path in sorted(rules.glob("*.go")):
        kind = path.stem
        if kind.endswith("_test") or not any(kind.startswith(s) for s in SCOPE):
            continue
        true, false = rule_samples(path.read_text("utf-8"), rng, kind)
        counts[kind] = [0, 0]
        for n, (identifier, value) in enumerate(dict.fromkeys(true + false)):
            truth = (identifier, value) in true
            if "\n" in value or len(value) > 400:
                continue
            if not truth and _BARE.match(value) and not _LOOKALIKE.search(value):
                continue  # a random full-shape key gitleaks keeps out by its exact value: neither T nor F
            counts[kind][0 if truth else 1] += 1
            if _BARE.match(value):
                place_bare(files, identifier, value, truth, kind, n)
            else:
                place_line(files, value, truth, kind)
    for path, lines in files.lines.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        header = _HEADERS["dag"] if path.endswith(".py") else _HEADERS["compose"] if "compose" in path else []
        for label in files.labels[path]["T"] + files.labels[path]["F"]:
            label["line"] += len(header)
        target.write_text("\n".join(header + lines) + "\n", "utf-8")
    labels = {"files": {p: dict(v) for p, v in files.labels.items()}}
    (out / "labels.yaml").write_text(yaml.safe_dump(labels, sort_keys=True), "utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gitleaks", type=Path, required=True, help="a gitleaks checkout (read only)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    counts = generate(args.gitleaks, args.out)
    for kind, (true, false) in counts.items():
        print(f"{kind}: {true} true, {false} false samples")


if __name__ == "__main__":
    main()
