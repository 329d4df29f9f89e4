"""Generate a labelled secrets corpus from peers' public test material, placed in Airflow and Terraform contexts.

    python benchmarks/secrets_peer_corpus.py --gitleaks /path/to/gitleaks-checkout OUT_DIR
    python benchmarks/secrets_peer_corpus.py [--gitleaks PATH] [--detect-secrets PATH] [--trufflehog PATH] OUT_DIR

At least one source is needed; each is a local checkout, read only. Nothing of any of them is copied into this
repository: the corpus is generated into OUT_DIR, with a labels.yaml in the format of
benchmarks/secrets_accuracy.py (per file, the lines of true secrets, T, and of hard negatives, F; P for a sample
its peer labels true that is shaped as a placeholder, see placeholder_shaped: issue 19 asks for those to be kept
out, so the scorer counts them as negatives unless told `--peer-labels`) and the secret kind of every labelled
line: the gitleaks rule file (`aws`), `detect-secrets/<plugin>` (`detect-secrets/keyword`),
`trufflehog/<detector>` (`trufflehog/aws_access_keys`); the last two also name the folders their files go in.

gitleaks (--gitleaks): its rule generators (`cmd/generate/config/rules/*.go`) each hold the samples their rule
must find (`tps`) and must not find (`fps`): literal strings, and values built from a shape (`"dop_v1_" +
secrets.NewSecret(utils.Hex("64"))`), which this script builds itself (random, seeded). Only the rule files of
the providers in SCOPE are read (what airtf-lint claims to cover, and the formats of issue 19).

detect-secrets (--detect-secrets, Yelp/detect-secrets): its plugin tests (`tests/plugins/<plugin>_test.py`),
parsed with `ast`, never imported: every `pytest.mark.parametrize` list of (line or token, should_flag) (or of
positives only, or keyword's per-extension lists of (line, expected secret or None)); string literals, module
constants, `+`, slices and plain `'...'.format(...)` are evaluated, anything else skipped. True → T, false → F;
a sample flagged in one case and not in another, or false here but true in another plugin, is neither. Plugins in
DETECT_SECRETS_SCOPE only; keyword's lists only for the extensions of _DS_EXTENSIONS.

trufflehog (--trufflehog, trufflesecurity/trufflehog): its detectors' unit tests
(`pkg/detectors/<name>/[<version>/]<name>_test.go`, not the integration tests), read as text: the `valid*` /
`invalid*` string constants (T / F; not those holding a detector's context part, a domain, a user name, an
account SID: _TH_PART), or, for a test without them, its table's `input:` with `want:` (a credential expected: T;
none, in a case named invalid: F). Constants, `+` and `fmt.Sprintf` are evaluated. Detectors in TRUFFLEHOG_SCOPE
(prefixes of the folder name) only.

Every bare sample (a token) is written into each of five file kinds under a name built from the rule's
identifier, rotating through the syntaxes real files use: a DAG (`NAME = "..."`, `os.environ["NAME"] = "..."`,
a dict entry, a keyword argument, `headers={"Authorization": "Bearer ..."}`), a `.tf` (a provider or resource
argument, a variable default), a `.tfvars`, a `.env` and a docker-compose `environment:` block; a true one under
a secret name, a false one under a name that holds no secret. A sample that is already a line
(`cloudflare_api_key = "..."`, `'access_token': '...'`) is written verbatim where its syntax fits (and parses:
no single quotes or `${` in HCL, valid Python and YAML), and is skipped where none fits. trufflehog's samples of
several tokens (a key among its context words, `stripe token = '...'`) are written verbatim into a .env and as a
DAG literal; its multi-line ones (config excerpts) whole into a DAG as a raw literal, labelled on the lines that
hold the credential the test expects (for a PEM, its BEGIN line). A false sample kept in its own context (a line,
a snippet) says only that it is not that detector's format, not that it is no secret (`client_secret: glpat-…`
among GitLab OAuth's false cases): it is written only if it is a look-alike (_LOOKALIKE), or comes from
detect-secrets' keyword plugin, whose false cases are about secret-named values as such.
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import string
import textwrap
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
_GO_VERB = re.compile(r"%%|%[-+# 0]*\d*(?:\.\d+)?[svqdx]")
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


def _go_value(expr: str, rng: random.Random | None = None, consts: dict[str, str] | None = None) -> str | None:
    """A Go string expression evaluated, or None if it holds anything else: literals joined with `+`, gitleaks'
    `secrets.NewSecret(...)` shapes (generated with `rng`), and with `consts` the constants it names and
    `fmt.Sprintf(...)` of those; a trailing `//` comment ends it."""
    out = []
    rest = expr.strip()
    while rest:
        found = _GO_STRING.match(rest)
        generated = _NEW_SECRET.match(rest) if rng is not None else None
        raw = _NEW_SECRET_RAW.match(rest) if rng is not None else None
        if found:
            out.append(_go_unquote(found.group(1)) if found.group(1) is not None else found.group(2))
            rest = rest[found.end():]
        elif generated:
            value = _random(rng, generated.group(1), int(generated.group(2)))
            if value is None:
                return None
            out.append(value)
            rest = rest[generated.end():]
        elif raw:
            spec, size = (raw.group(1), raw.group(2)) if raw.group(1) else (raw.group(3), raw.group(4))
            alphabet = _expand_class(spec)
            out.append("".join(rng.choice(alphabet) for _ in range(int(size))))
            rest = rest[raw.end():]
        elif consts is not None and rest.startswith("fmt.Sprintf("):
            inner = _balanced(rest, len("fmt.Sprintf("))
            args = [_go_value(a, rng, consts) for a in _split_arguments(inner)]
            if not args or None in args:
                return None
            values = iter(args[1:])
            try:
                out.append(_GO_VERB.sub(lambda m: "%" if m.group() == "%%" else next(values), args[0]))
            except StopIteration:
                return None
            rest = rest[len("fmt.Sprintf(") + len(inner) + 1:]
        else:
            name = re.match(r"\w+", rest)
            if not name or consts is None or name.group() not in consts:
                return None
            out.append(consts[name.group()])
            rest = rest[name.end():]
        rest = rest.strip()
        if rest.startswith("+"):
            rest = rest[1:].strip()
        elif rest.startswith("//"):
            break
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
        value = _go_value(expr[call.end():].rstrip().removesuffix(")").removesuffix("..."), rng)
        return [(call.group(1), value)] if value is not None else []
    if expr.startswith("[]string{"):
        for arg in _split_arguments(expr[len("[]string{"):-1]):
            value = _go_value(arg, rng)
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


def _lookalike(text: str) -> bool:
    """_LOOKALIKE in a line's words (its indentation is no repeated character)."""
    return any(_LOOKALIKE.search(word) for word in text.split())


# What issue 19 calls a placeholder, not a secret, however a peer's format test labels it: a letter or digit
# repeated six times (`AKIAZZZZ…`, `xoxa-511111111-…`), a block repeated three times (`abcd1234abcd1234abcd1234`),
# seven letters or digits in alphabet order (`…klmnopqrstuvwx…`, `1234567890abcdef`), a word saying so (`EXAMPLE`,
# `fake`, `xxxx`), or the field's own word as a URL's password (`https://username:password@…`). Judged on the
# labelled line, independently of airtf-lint's own code. Narrower than _LOOKALIKE (which picks the false samples
# worth keeping): `test`, `sample`, four repeats are in real true samples (`sk_test_…`).
_PLACEHOLDER = re.compile(r"([A-Za-z0-9])\1{5}|([A-Za-z0-9]{3,8})\2\2|(?i:example(?![.-]\w)|fake|xxxx)|"
                          r"(?i:://[^\s/:@]*:(?:password|passwd|pass|secret)@)")
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678901234567890")


def placeholder_shaped(line: str) -> bool:
    if _PLACEHOLDER.search(line):
        return True
    return any(alphabet[i:i + 7] in line for alphabet in _RUNS for i in range(len(alphabet) - 6))


class Files:
    """The generated files' lines and their labels: T (a secret), F (a hard negative) and P (a sample its peer
    labels true that is placeholder-shaped: scored as a negative, counted apart)."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = defaultdict(list)
        self.labels: dict[str, dict[str, list]] = defaultdict(lambda: {"T": [], "F": [], "P": []})

    def add(self, path: str, lines: list[str], label_offset: int | None, truth: bool, kind: str) -> None:
        body = self.lines[path]
        if label_offset is not None:
            label = "F" if not truth else "P" if placeholder_shaped(lines[label_offset]) else "T"
            self.labels[path][label].append({"line": len(body) + label_offset + 1, "kind": kind})
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


def _python(lines: list[str]) -> bool:
    try:
        ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return False
    return True


def _hcl_string(line: str) -> bool:
    """`name = "..."` that HCL reads as the same literal: double quotes, no template sequence, no escape."""
    return bool(re.fullmatch(r'[A-Za-z_]\w*\s*=\s*"[^"\\]*"', line)) and not re.search(r"[$%]\{", line)


def place_line(files: Files, line: str, truth: bool, kind: str) -> bool:
    """A sample that is already a line, written where its syntax fits; False if it fits none."""
    line = line.strip()
    if _PY_LINE.match(line):
        placed = False
        if _python([line]):
            files.add(f"dags/{kind}_dag.py", [line], 0, truth, kind)
            placed = True
        if _hcl_string(line):
            files.add(f"infra/{kind}.auto.tfvars", [line], 0, truth, kind)
            placed = True
        return placed
    if _DICT_LINE.match(line):
        snippet = ["settings = {", f"    {line},", "}"]
        if _python(snippet):
            files.add(f"dags/{kind}_dag.py", snippet, 1, truth, kind)
            return True
        return False
    if _ENV_LINE.match(line):
        files.add(f"config/{kind}/.env", [line], 0, truth, kind)
        return True
    if _YAML_LINE.match(line) and _yaml_ok(f"      {line}"):
        files.add(f"compose/{kind}/docker-compose.yml", [f"      {line}"], 0, truth, kind)
        return True
    return False


def _yaml_ok(line: str) -> bool:
    try:
        yaml.safe_load("environment:\n" + line)
    except yaml.YAMLError:
        return False
    return True


_TOKEN = re.compile(r"""^[^\s"'\\`#]+$""")  # one token that a DAG literal, HCL, a .env and YAML all hold verbatim


def _plain_token(value: str) -> bool:
    if not _TOKEN.match(value) or re.search(r"[$%]\{", value):
        return False
    try:
        return yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        return False


def place_snippet(files: Files, identifier: str, line: str, truth: bool, kind: str, n: int) -> None:
    """A sample of several tokens (a key among its context words): verbatim in a .env, and as a DAG's literal."""
    files.add(f"config/{kind}/.env", [line], 0, truth, kind)
    dag = [f"{_name(identifier).upper()}_NOTE_{n} = {line!r}"]
    if _python(dag):
        files.add(f"dags/{kind}_dag.py", dag, 0, truth, kind)


_HOSTNAME = re.compile(r"^[\w-]+(\.[\w-]+)*\.[A-Za-z]{2,12}(:\d+)?$")


def _keyish(token: str) -> bool:
    """A token that can be a credential: long, letters and digits, not a host name, a reference or a URL without
    a password."""
    return (len(token) >= 16 and bool(re.search(r"[A-Za-z]", token)) and bool(re.search(r"\d", token))
            and not _HOSTNAME.match(token) and "$" not in token
            and ("://" not in token or bool(re.search(r"://[^/\s:@]+:[^/\s@]+@", token))))


def _credential(part: str) -> str | None:
    """The credential in what a peer's test expects: `id:secret`, `secret` + `https://host`: of the pieces, the
    one of most character classes (a secret over a hex id), then the longest."""
    if "://" in part and _keyish(part):
        return part  # a URI with its password
    part = re.sub(r"https?://[^\s:@]*$", "", part)
    pieces = [p for p in re.split(r"[\s;|,]+|:(?!//)", part)
              if len(p) >= 12 and not _HOSTNAME.match(p) and "://" not in p]
    classes = [r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z\d]"]
    return max(pieces, key=lambda p: (sum(bool(re.search(c, p)) for c in classes), len(p)), default=None)


def _longest(tokens) -> str | None:
    tokens = [tokens] if isinstance(tokens, str) else tokens
    return max((t for t in tokens if _keyish(t)), key=len, default=None)


def place_block(files: Files, identifier: str, text: str, truth: bool, kind: str, n: int,
                parts: tuple[str, ...] = ()) -> int:
    """A multi-line sample (a config excerpt), written whole into a DAG as a raw triple-quoted literal. Labelled:
    a PEM's BEGIN line; else the lines holding a part of the credentials the peer expects (`parts`), or, without
    them, a credential-like token. Returns the number of lines labelled."""
    lines = [line.rstrip() for line in textwrap.dedent(text.expandtabs(4)).strip("\n").splitlines()]
    if not lines or len(lines) > 40 or any(len(line) > 400 for line in lines):
        return 0
    if any("-----BEGIN" in line for line in lines):
        marked = [i for i, line in enumerate(lines) if "-----BEGIN" in line]
    else:
        # a peer expects `id:secret`, `key` + `url`...: the credential is its most varied piece
        tokens = [[t.strip(".:=") for t in re.findall(r"[^\s\"'`<>{}()\[\],;]+", line)] for line in lines]
        if truth and parts:
            pieces = set()
            for part in parts:
                piece = _credential(part)
                if not piece or not any(piece in line for line in lines):
                    # written as `token` + `domain` with nothing between: the snippet's tokens inside it
                    piece = _credential(" ".join(t for found in tokens for t in found if _keyish(t) and t in part))
                if piece:
                    pieces.add(piece)
            marked = [i for i, line in enumerate(lines) if any(p in line for p in pieces)]
        else:
            longest = _longest([t for found in tokens for t in found])
            marked = [i for i, found in enumerate(tokens) if longest and longest in found]
    if not truth:
        marked = [i for i in marked if _lookalike(lines[i])]  # as place_sample's false lines
    head = f'{_name(identifier).upper()}_CONFIG_{n} = r"""'
    if not marked or not _python([head, *lines, '"""']):
        return 0
    path = f"dags/{kind}_dag.py"
    files.add(path, [head], None, truth, kind)
    for i, line in enumerate(lines):
        files.add(path, [line], 0 if i in marked else None, truth, kind)
    files.add(path, ['"""'], None, truth, kind)
    return len(marked)


def place_sample(files: Files, identifier: str, value: str, truth: bool, kind: str, n: int,
                 parts: tuple[str, ...] = (), snippets: bool = False, false_lines: bool = False) -> int:
    """Any sample of the peers read after gitleaks: a token as place_bare writes it, a line where place_line
    finds its syntax, and (if `snippets`) a line of several tokens verbatim, a multi-line one as a block. A false
    sample that keeps its own context (a line, a snippet: `client_secret: glpat-…` among a detector's false
    cases) only says it is not that detector's format, not that it is no secret: it is written only if the peer
    says no secret at all (`false_lines`, detect-secrets' keyword cases) or it is a look-alike (_LOOKALIKE).
    Returns the number of labelled samples written (0: it fits no context, or is too long)."""
    lines_ok = truth or false_lines or _lookalike(value)
    if "\n" in value.strip():
        return place_block(files, identifier, value, truth, kind, n, parts) if snippets else 0
    value = value.strip()
    if not value or len(value) > 400:
        return 0
    if _BARE.match(value) or (_plain_token(value) and not _ENV_LINE.match(value)):
        place_bare(files, identifier, value, truth, kind, n)
        return 1
    if not lines_ok:
        return 0
    if place_line(files, value, truth, kind):
        return 1
    if snippets:
        place_snippet(files, identifier, value, truth, kind, n)
        return 1
    return 0


# --- detect-secrets: tests/plugins/<plugin>_test.py, read with ast (never imported) ---

# Its plugins for what airtf-lint claims: the provider formats, URI passwords (basic_auth) and secret-named
# values (keyword; IBM Cloud / COS HMAC, Cloudant and SoftLayer samples are all `name = value` lines). Left out:
# formats airtf-lint does not claim (artifactory, discord, mailchimp, square_oauth, telegram), ip_public, and
# high_entropy_strings (its samples are entropy thresholds, not labelled credentials).
DETECT_SECRETS_SCOPE = (
    "aws_key", "azure_storage_key", "basic_auth", "cloudant", "github_token", "gitlab_token", "ibm_cloud_iam",
    "ibm_cos_hmac", "jwt", "keyword", "npm", "openai", "private_key", "pypi_token", "sendgrid", "slack",
    "softlayer", "stripe_key", "twilio",
)
# keyword's cases are lists per file extension; kept: those detect-secrets applies to config, Python and Terraform
# files (not its Go, C, C# and Objective-C syntaxes, whose false cases are only false in that language).
_DS_EXTENSIONS = (None, "conf", "py", "tf")
_SAMPLE_ARGS = ("line", "payload", "file_content", "secret", "token")
_LABEL_ARGS = ("should_flag", "expected_secret", "expected")


def _py_value(node: ast.AST, names: dict[str, ast.AST], depth: int = 0) -> str | None:
    """A string expression of literals, module constants, `+`, slices and `'...'.format(...)`; None if other."""
    if depth > 20:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.Name) and node.id in names:
        return _py_value(names[node.id], names, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _py_value(node.left, names, depth + 1), _py_value(node.right, names, depth + 1)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and node.slice.step is None:
        value = _py_value(node.value, names, depth + 1)
        bounds = [b.value if isinstance(b, ast.Constant) else None for b in (node.slice.lower, node.slice.upper)]
        if value is None or any(not isinstance(b, (int, type(None))) for b in bounds):
            return None
        return value[bounds[0]:bounds[1]]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and not any(isinstance(a, ast.Starred) for a in node.args) and all(k.arg for k in node.keywords)):
        template = _py_value(node.func.value, names, depth + 1)
        args = [_py_value(a, names, depth + 1) for a in node.args]
        kwargs = {k.arg: _py_value(k.value, names, depth + 1) for k in node.keywords}
        if template is None or None in args or None in kwargs.values():
            return None
        if re.search(r"(?<!\{)\{(?!\{)[^}]*[^\w}][^}]*\}", template):
            return None  # only plain fields: {} {0} {name}
        try:
            return template.format(*args, **kwargs)
        except (IndexError, KeyError, ValueError):
            return None
    return None


def _ds_cases(node: ast.AST, argnames: list[str], names: dict[str, ast.AST]) -> list[tuple[str, bool]]:
    """(sample, should it be flagged) of one `pytest.mark.parametrize` argument list."""
    out: list[tuple[str, bool]] = []
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
        # keyword's parse_test_cases([(extension, CASES), ...]): each CASES a list of (line, expected secret)
        for pair in node.args[0].elts:
            if (isinstance(pair, ast.Tuple) and len(pair.elts) == 2 and isinstance(pair.elts[0], ast.Constant)
                    and pair.elts[0].value in _DS_EXTENSIONS):
                out.extend(_ds_cases(pair.elts[1], ["line", "expected_secret"], names))
        return out
    if not isinstance(node, (ast.List, ast.Tuple)):
        return out
    sample = next((argnames.index(a) for a in argnames if a in _SAMPLE_ARGS), None)
    label = next((argnames.index(a) for a in argnames if a in _LABEL_ARGS), None)
    if sample is None or (label is None and len(argnames) > 1):
        return out
    for element in node.elts:
        if len(argnames) == 1:
            value, truth = _py_value(element, names), True  # a list of positives only (asserted found)
        elif isinstance(element, ast.Tuple) and len(element.elts) == len(argnames):
            value = _py_value(element.elts[sample], names)
            flag = element.elts[label]
            if isinstance(flag, ast.Constant) and isinstance(flag.value, bool):
                truth = flag.value
            elif isinstance(flag, ast.Constant) and flag.value is None:
                truth = False
            else:
                truth = _py_value(flag, names) is not None  # an expected secret value
        else:
            continue
        if value is not None:
            out.append((value, truth))
    return out


def detect_secrets_samples(source: str) -> list[tuple[str, bool]]:
    tree = ast.parse(source)
    names = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "parametrize" and len(decorator.args) >= 2):
                argnames = _py_value(decorator.args[0], names)
                if argnames is not None:
                    out.extend(_ds_cases(decorator.args[1], [a.strip() for a in argnames.split(",")], names))
    return out


# --- trufflehog: pkg/detectors/<name>/<name>_test.go, read as text ---

# Its detectors for the providers airtf-lint covers (prefixes of the detector folder, as SCOPE). Left out: jwt
# (its table labels the verification outcome: well-formed HMAC tokens are expected to yield nothing).
TRUFFLEHOG_SCOPE = (
    "aws", "azure", "github", "gitlab", "slack", "stripe", "databricks", "terraformcloud", "hashicorpvault",
    "sendgrid", "pypi", "npm", "privatekey", "cloudflare", "digitalocean", "perplexity", "anthropic", "openai",
    "age", "snowflake", "mailgun", "twilio", "datadog", "okta", "gcp", "googleoauth2", "heroku", "postgres", "uri",
)
_GO_ASSIGN = re.compile(r"^[ \t]*(?:const[ \t]+|var[ \t]+)?(\w+)[ \t]*(?::=|=)[ \t]*(?=\S)", re.M)
# The constants that hold a sample: validPattern, invalidPattern2, validBotToken...; not the context parts
# (a domain, a user name, an account SID, a role id) that a detector pairs with a credential.
_TH_CONSTANT = re.compile(r"(in)?valid(\w*)")
_TH_PART = re.compile(r"(?i)domain|url|username|sid$|roleid|iad|parsed|part|account|email|host|endpoint|region")
_TH_FALSE_CASE = re.compile(r"(?i)invalid|\bnot?\b|without|wrong|bad|false")


def trufflehog_samples(source: str) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(sample, true, the credentials the test expects) of a detector's unit test: its valid*/invalid* constants,
    or, where it has none, its table's `input:` with `want:` (empty: a false sample, if the case says so)."""
    consts: dict[str, str] = {}
    for found in _GO_ASSIGN.finditer(source):
        value = _go_value(_balanced(source, found.end()), consts=consts)
        if value is not None:
            consts.setdefault(found.group(1), value)
    cases: list[tuple[str, bool, tuple[str, ...]]] = []
    for name, value in consts.items():
        found = _TH_CONSTANT.fullmatch(name)
        if found and not _TH_PART.search(found.group(2)):
            cases.append((value, not found.group(1), ()))
    valid = {value for value, truth, _ in cases if truth}
    cases = [c for c in cases if c[1] or c[0] not in valid]
    table = _table_cases(source, consts)
    if cases:
        parts = tuple(p for _, truth, found in table if truth for p in found)
        return [(value, truth, parts if truth else ()) for value, truth, _ in cases]
    return table


def _table_cases(source: str, consts: dict[str, str]) -> list[tuple[str, bool, tuple[str, ...]]]:
    cases: list[tuple[str, bool, tuple[str, ...]]] = []
    inputs = list(re.finditer(r"\binput:\s*", source))
    for i, found in enumerate(inputs):
        value = _go_value(_balanced(source, found.end()).strip().rstrip(","), consts=consts)
        end = inputs[i + 1].start() if i + 1 < len(inputs) else len(source)
        want = re.compile(r"\bwant:\s*").search(source, found.end(), end)
        title = re.findall(r'\bname:\s*"([^"]*)"', source[max(0, found.start() - 400):found.start()])
        if value is None or not want:
            continue
        expected = _balanced(source, want.end()).strip().rstrip(",")
        if expected in ("nil", "[]string{}", "[][]string{}", "[]string(nil)"):
            if title and _TH_FALSE_CASE.search(title[-1]):
                cases.append((value, False, ()))
        elif re.match(r"(\[\])+string\{\s*\S", expected):
            parts = [_go_unquote(a) if a is not None else b for a, b in _GO_STRING.findall(expected)]
            parts += [consts[w] for w in re.findall(r"\b\w+\b", expected) if w in consts]
            cases.append((value, True, tuple(parts)))
    return cases


def _th_kind(folder: Path) -> str:
    parts = [p for p in folder.parts if not re.fullmatch(r"v\d+", p)]
    leaf = parts[-1]
    return leaf if len(parts) == 1 or leaf.startswith(parts[0]) else f"{parts[0]}_{leaf}"


_HEADERS = {
    "dag": ["import os", "", "from airflow import DAG", "from airflow.providers.http.operators.http import "
            "SimpleHttpOperator", "", 'with DAG("peer_corpus", schedule=None):', "    pass", ""],
    "compose": ["services:", "  worker:", "    image: apache/airflow:2.9.0", "    environment:"],
}


def _gitleaks(files: Files, root: Path, rng: random.Random, counts: dict[str, list[int]]) -> None:
    rules = root / "cmd" / "generate" / "config" / "rules"
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


def _detect_secrets(files: Files, root: Path, counts: dict[str, list[int]]) -> None:
    plugins = {path.stem.removesuffix("_test"): path for path in sorted((root / "tests" / "plugins").glob("*_test.py"))}
    cases = {name: detect_secrets_samples(plugins[name].read_text("utf-8"))
             for name in DETECT_SECRETS_SCOPE if name in plugins}
    flagged = {value for found in cases.values() for value, truth in found if truth}
    for name, found in cases.items():
        kind = f"detect-secrets/{name}"
        counts[kind] = [0, 0]
        labels: dict[str, set[bool]] = {}
        for value, truth in found:
            labels.setdefault(value, set()).add(truth)
        for n, (value, truths) in enumerate(labels.items()):
            if len(truths) > 1 or "\n" in value or len(value) > 400:
                continue  # flagged in one case, not in another (another syntax): neither T nor F
            truth = truths.pop()
            if not truth and value in flagged:
                continue  # another plugin's true sample (a GitHub token among GitLab's false ones)
            counts[kind][0 if truth else 1] += place_sample(files, name, value, truth, kind, n,
                                                            false_lines=name == "keyword")


def _trufflehog(files: Files, root: Path, counts: dict[str, list[int]]) -> None:
    detectors = root / "pkg" / "detectors"
    seen: set[tuple[str, str, bool]] = set()
    for path in sorted(detectors.rglob("*_test.go")):
        folder = path.parent.relative_to(detectors)
        if path.name.endswith("_integration_test.go") or not folder.parts or \
                not any(folder.parts[0].startswith(s) for s in TRUFFLEHOG_SCOPE):
            continue
        name = _th_kind(folder)
        kind = f"trufflehog/{name}"
        samples = trufflehog_samples(path.read_text("utf-8"))
        if not samples:
            continue
        placed = counts.setdefault(kind, [0, 0])
        for value, truth, parts in samples:
            if (kind, value, truth) in seen:
                continue
            seen.add((kind, value, truth))  # n runs on across a detector's versions (github/v1, v2): one kind
            placed[0 if truth else 1] += place_sample(files, name, value, truth, kind, len(seen), parts,
                                                      snippets=True)


def generate(gitleaks: Path | None, out: Path, seed: int = 19, detect_secrets: Path | None = None,
             trufflehog: Path | None = None) -> dict:
    rng = random.Random(seed)
    files = Files()
    counts: dict[str, list[int]] = {}
    if gitleaks is not None:
        _gitleaks(files, gitleaks, rng, counts)
    if detect_secrets is not None:
        _detect_secrets(files, detect_secrets, counts)
    if trufflehog is not None:
        _trufflehog(files, trufflehog, counts)
    for path, lines in files.lines.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        header = _HEADERS["dag"] if path.endswith(".py") else _HEADERS["compose"] if "compose" in path else []
        for label in files.labels[path]["T"] + files.labels[path]["F"] + files.labels[path]["P"]:
            label["line"] += len(header)
        target.write_text("\n".join(header + lines) + "\n", "utf-8")
    labels = {"files": {p: dict(v) for p, v in files.labels.items()}}
    (out / "labels.yaml").write_text(yaml.safe_dump(labels, sort_keys=True), "utf-8")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gitleaks", type=Path, help="a gitleaks checkout (read only)")
    parser.add_argument("--detect-secrets", type=Path, help="a Yelp/detect-secrets checkout (read only)")
    parser.add_argument("--trufflehog", type=Path, help="a trufflesecurity/trufflehog checkout (read only)")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    if not (args.gitleaks or args.detect_secrets or args.trufflehog):
        parser.error("give at least one of --gitleaks, --detect-secrets, --trufflehog")
    counts = generate(args.gitleaks, args.out, detect_secrets=args.detect_secrets, trufflehog=args.trufflehog)
    for kind, (true, false) in counts.items():
        print(f"{kind}: {true} true, {false} false samples")


if __name__ == "__main__":
    main()
