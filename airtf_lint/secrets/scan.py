"""One pass over a file's text for secrets: provider formats, literals given secret-ish names, passwords in URIs.

The same scanner serves every file kind (DAG code, HCL, tfvars, connection files, plans, state): what differs is
only whether bare values (`password: abc`, `PASSWORD=abc`) count, which they do in YAML and .env files but not in
code, where a bare word is an expression. Keyword pre-filters run over the whole text before any expression, so a
file without a candidate costs one lower-casing and a few substring tests.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airtf_lint.facts import Location, SecretFact
from airtf_lint.secrets import embedded, linear
from airtf_lint.secrets.formats import AWS_SECRET, AWS_SECRET_CONTEXT, FORMATS, made_up
from airtf_lint.secrets.names import (
    NAME_FRAGMENTS,
    PROVIDERS,
    holds_any_literal,
    is_key_name,
    is_password_name,
    is_provider_name,
    is_random_name,
    is_secret_name,
)
from airtf_lint.secrets.values import (
    LOCAL_DEVELOPMENT,
    character_classes,
    fingerprint,
    is_tool_default,
    looks_like_name,
    looks_like_password,
    looks_like_secret,
    looks_like_uri_password,
    looks_random,
    mask,
    strip_auth_scheme,
)

# Every expression here is RE2 (`linear`): scanning is linear in the text, whatever the text. Where `re` used a
# backreference (the closing quote equal to the opening one) the expression lists the quotes one by one.
_NAME = rf"[A-Za-z_$@][{linear.WIDE_WORD}.$@-]{{0,100}}"
# A quoted value: no quote, backslash or newline, but hex escapes of a bytes literal (`b'izayoi\\xc3\\xa6'`).
# (Unbounded: RE2 cannot repeat the group 1,000 times; the value checks refuse more than 1,000 characters.)
_VALUE = r"(?:[^\"'\\\n]|\\[xX][0-9a-fA-F]{2})+"
# `name: Type = ` (a Python annotation) ends in `=`, `==` or `=>`; otherwise the operator follows the name.
_ANNOTATION = rf"[ \t]*:[ \t]*[A-Za-z_][{linear.WIDE_WORD}\[\]., |]{{0,40}}?[ \t]*(?:==|=>|=)"
_OPERATOR = r"[ \t]*(?:==|!=|:=|=>|=|:)"
# A literal decoded or wrapped where it is assigned: `KEY = b64decode(b"...")`, `token = SecretStr("...")`.
_WRAPPER = (r"(?:(?:base64\.)?(?:b64decode|urlsafe_b64decode|standard_b64decode|b32decode)|(?:binascii\.)?"
            r"(?:unhexlify|a2b_base64|a2b_hex)|bytes\.fromhex|SecretStr|SecretBytes|SecretString)\([ \t]*")
# name = "value", "name": "value", name: "value", name => "value", name == "value", ("name", "value"),
# environ["name"] = "value" (a subscript), setdefault("name", "value"), name != "value", with the
# quotes optionally escaped (JSON inside a string), an optional Python annotation, an optional string prefix.
_QUOTED_ASSIGNMENT = linear.compile(
    rf"""(?:(?:"(?P<n1>{_NAME})"|'(?P<n2>{_NAME})'|\\"(?P<n3>{_NAME})\\"|\\'(?P<n4>{_NAME})\\')"""
    rf"""[ \t]*\]?(?:{_ANNOTATION}|{_OPERATOR}|,)|(?P<n5>{_NAME})(?:{_ANNOTATION}|{_OPERATOR}))[ \t]*"""
    rf"""(?:(?:[rRuUbBfF]{{1,2}})?(?:"(?P<v1>{_VALUE})"|'(?P<v2>{_VALUE})')|\\"(?P<v3>{_VALUE})\\"|"""
    rf"""\\'(?P<v4>{_VALUE})\\')"""
)
# name = wrapper("value"): its own expression, run only where a wrapper is named (in the one above, it doubled the
# time of every file's scan).
_WRAPPED_ASSIGNMENT = linear.compile(
    rf"""(?P<name>{_NAME})[ \t]*\]?[ \t]*(?:=|:)[ \t]*{_WRAPPER}(?:[rRuUbB]{{1,2}})?"""
    rf"""(?:"(?P<v1>{_VALUE})"|'(?P<v2>{_VALUE})')"""
)
_WRAPPER_WORDS = ("decode(", "unhexlify(", "a2b_", "fromhex(", "SecretStr(", "SecretBytes(", "SecretString(")
_NAME_GROUPS = ("n1", "n2", "n3", "n4", "n5")
_VALUE_GROUPS = ("v1", "v2", "v3", "v4")
# YAML and .env: name: value / NAME=value / export NAME=value, the value unquoted.
_BARE_ASSIGNMENT = linear.compile(
    rf"""^[ \t]*(?:export[ \t]+|-[ \t]+)?(?P<name>[A-Za-z_][{linear.WIDE_WORD}.-]{{0,100}})[ \t]*[:=][ \t]*"""
    r"""(?P<value>[^\s"'#|>&*!{\[][^\s#]{0,1000})[ \t]*(?:#.*)?$""",
    "m",
)
# scheme://user:password@host; the password may not hold `@`, `/` or whitespace unescaped. The scheme may not
# follow a word character (`b`, judged again in Python) and the host must start right after the `@`.
_URI = linear.compile(r"""(?:^|(?P<b>[^\w+.?-]))[A-Za-z][A-Za-z0-9+.-]{1,30}://(?P<user>[^\s:/@"'`<>{}]*):"""
                      r"""(?P<password>[^\s/@"'`<>]{1,300})@""")
_URI_NOT_AFTER_SCHEME_CHAR = re.compile(r"[\w+.?-]")  # `?ostgres://` is a scheme cut off, not a URI
_URI_HOST_START = re.compile(r"[\w\[.%-]")
_SERVICE_ACCOUNT_FILE = linear.compile(r"""["']?type["']?\s*[:=]\s*\\?["']service_account""")  # a key file's marker
# Every format's keywords, searched for in one pass a file.
_KEYWORDS = linear.Keywords(tuple(dict.fromkeys(k for f in FORMATS for k in f.keywords)))
_AWS_SECRET_WINDOW = 3  # lines either side of a secret that may hold the key id or name pairing it


@dataclass(frozen=True, slots=True)
class _Hit:
    detector: str
    title: str
    category: str
    start: int
    end: int
    name: str | None = None


def scan_text(text: str, path: str, bare_values: bool = False, local_development: bool = False) -> list[SecretFact]:
    """`local_development`: the file is for local development whatever it says (a compose file), so the documented
    defaults of local tools (`POSTGRES_PASSWORD: airflow`) are not reported in it."""
    hits = list(_hits(text, bare_values, local_development))
    if not hits:
        return []
    lines = LineStarts(text)
    return [_fact(text, path, hit, lines) for hit in hits]


class LineStarts:
    """Offsets to (line number, offset of its first character), in O(log n) each."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        position = text.find("\n")
        while position >= 0:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def line(self, offset: int) -> tuple[int, int]:
        number = bisect.bisect_right(self.starts, offset)
        return number, self.starts[number - 1]


def _lower(text: str) -> str:
    """Lower case with offsets kept: a few characters (`İ`) lower-case to two."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class _Claimed:
    """The spans detectors have claimed, which never overlap: `free` in O(log n), so a file holding 30,000 key
    ids costs 30,000 look-ups, not 30,000 squared. A pass's claims wait in `pending` (they come mostly in order)
    and are merged into the sorted lists when the pass ends."""

    __slots__ = ("starts", "ends", "pending")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.pending: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        # The claimed span starting last before `end` is the only one that can overlap [start, end).
        index = bisect.bisect_left(self.starts, end) - 1
        if index >= 0 and self.ends[index] > start:
            return False
        index = bisect.bisect_left(self.pending, (end,)) - 1
        return index < 0 or self.pending[index][1] <= start

    def claim(self, start: int, end: int) -> None:
        if not self.pending or self.pending[-1] <= (start, end):
            self.pending.append((start, end))
        else:
            bisect.insort(self.pending, (start, end))

    def commit(self) -> None:
        if self.pending:
            merged = sorted([*zip(self.starts, self.ends), *self.pending])
            self.starts = [s for s, _ in merged]
            self.ends = [e for _, e in merged]
            self.pending = []


def _hits(text: str, bare_values: bool, local_development: bool = False) -> Iterator[_Hit]:
    lowered = _lower(text)
    # A file saying it is for local development: its tools' documented defaults are not reported there.
    local = _LocalDevelopment(lowered, local_development)
    claimed = _Claimed()
    free = claimed.free
    service_account: bool | None = None  # searched once, for the first private key
    present = _KEYWORDS.present(lowered)
    for secret_format in FORMATS:
        if present.isdisjoint(secret_format.keywords):
            continue
        for start, end in secret_format.matches(text):
            value = text[start:end]
            if secret_format.valid is not None and not secret_format.valid(value):
                continue
            if free(start, end) and "example" not in value.lower() and (
                    secret_format.id == "private_key" or not made_up(value)):
                claimed.claim(start, end)
                if secret_format.id == "private_key":
                    if service_account is None:
                        service_account = _SERVICE_ACCOUNT_FILE.search(text) is not None
                    if service_account:
                        yield _Hit("gcp_service_account_key", "GCP service-account key", "format", start, end)
                        continue
                yield _Hit(secret_format.id, secret_format.title, "format", start, end)
        claimed.commit()
    yield from _aws_secrets(text, lowered, claimed)
    claimed.commit()
    if "://" in text:
        for match in _URI.finditer(text):
            if match.matched("b") and _URI_NOT_AFTER_SCHEME_CHAR.match(text, match.start("b")):
                continue
            start, end = match.span("password")
            if not _URI_HOST_START.match(text, end + 1):
                continue
            if free(start, end) and looks_like_uri_password(match.group("password"), match.group("user"), local):
                claimed.claim(start, end)
                yield _Hit("uri_password", "password in a URI", "uri", start, end)
        claimed.commit()
    # The candidate lines, joined: each expression runs once over them (not once a line), offsets mapped back.
    candidates = _candidate_lines(text, lowered)
    joined, original = _joined(candidates)
    if not joined:
        return
    yield from _assignment_hits(joined, original, bare_values, claimed, local, text)
    claimed.commit()
    if not bare_values and ('"""' in text or "'''" in text):
        # A config excerpt in a triple-quoted string (`secret: ...`, `API_KEY=...` of a YAML, INI or .env text
        # a DAG writes out): its lines are read as that file's would be.
        inside = _in_triple_quotes(text, candidates)
        if inside:
            block, block_original = _joined(inside)
            yield from _assignment_hits(block, block_original, True, claimed, local, text)
            claimed.commit()

    def unclaimed(start: int, end: int) -> bool:
        at = original(start)
        return free(at, at + end - start)

    for found in embedded.credentials(joined, bare_values, unclaimed, local):
        start = original(found.start)
        end = start + found.end - found.start
        if free(start, end):
            claimed.claim(start, end)
            yield _Hit(found.detector, found.title, found.category, start, end, found.name)


_LOGIN_FIELD = re.compile(r"""(?i)\b(?:login|user|username|user_name|uid)["']?[ \t]*[:=][ \t]*[rbu]?["']?([\w.-]+)""")
_LOGIN_WINDOW = 3  # lines either side


def _login_beside(text: str, start: int, value: str) -> bool:
    """A login or user field holding `value` within three lines of `start` (a connection's `login: postgres`)."""
    begin = end = start
    for _ in range(_LOGIN_WINDOW + 1):  # back to the newline ending the line three above, on to three below
        begin = max(text.rfind("\n", 0, begin), 0)
        found = text.find("\n", end + 1)
        end = len(text) if found < 0 else found
    lowered = value.lower()
    return any(m.group(1).lower() == lowered for m in _LOGIN_FIELD.finditer(text, begin, end))


class _LocalDevelopment:
    """Does the file say it is for local development? Searched when a value first asks (a local default), once."""

    __slots__ = ("text", "answer")

    def __init__(self, lowered: str, known: bool) -> None:
        self.text = lowered
        self.answer: bool | None = True if known else None

    def __bool__(self) -> bool:
        if self.answer is None:
            self.answer = LOCAL_DEVELOPMENT.search(self.text) is not None
        return self.answer


def _joined(lines: list[tuple[int, str]]) -> tuple[str, Callable[[int], int]]:
    """(offset, line) pairs joined by newlines, and the map from an offset in the joined text to one in the file."""
    joined_starts, text_starts = [], []
    position = 0
    for offset, line in lines:
        joined_starts.append(position)
        text_starts.append(offset)
        position += len(line) + 1

    def original(at: int) -> int:
        index = bisect.bisect_right(joined_starts, at) - 1
        return text_starts[index] + at - joined_starts[index]

    return "\n".join(line for _, line in lines), original


_TRIPLE_QUOTE = linear.compile(r"\"\"\"|'''")


def _in_triple_quotes(text: str, lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The lines of `lines` inside a triple-quoted string, its delimiters paired in order (one kind open at a
    time; a line holding a delimiter is left out)."""
    opened: str | None = None
    bounds: list[tuple[int, int]] = []
    start = 0
    for spans in _TRIPLE_QUOTE.spans(text):
        begin, end = spans[0]
        quote = text[begin:end]
        if opened is None:
            opened, start = quote, end
        elif quote == opened:
            bounds.append((start, begin))
            opened = None
    out = []
    index = 0
    for offset, line in lines:
        while index < len(bounds) and bounds[index][1] < offset:
            index += 1
        if index < len(bounds) and bounds[index][0] <= offset and offset + len(line) <= bounds[index][1]:
            out.append((offset, line))
    return out


# A whole line holding a fragment: one match a candidate line, found in one pass whatever the fragments' number.
# A service's name alone (`cloudflare: "..."`) is a candidate only as the whole name of a line's assignment: the
# words themselves are everywhere in DAGs (`from airflow.providers.slack ...`).
_CANDIDATE_LINE = linear.compile(
    r"^(?:[^\n]*(?:" + "|".join(re.escape(f) for f in NAME_FRAGMENTS) + r")|[ \t]*[\"']?(?:"
    + "|".join(sorted(PROVIDERS)) + r")[\"']?[ \t]*[:=])[^\n]*", "m")


def _candidate_lines(text: str, lowered: str) -> list[tuple[int, str]]:
    """(offset, line) of every line holding a fragment of a secret-ish name, in order."""
    return [(spans[0][0], text[spans[0][0]:spans[0][1]]) for spans in _CANDIDATE_LINE.spans(lowered)]


_HEX_ESCAPE = re.compile(r"\\[xX]([0-9a-fA-F]{2})")


def _hex_unescaped(value: str) -> str:
    """`izayoi\\xc3\\xa6` as the bytes literal holds it: UTF-8 where they decode so, else one character a byte."""
    raw = _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def _assignment_hits(lines: str, original, bare_values: bool, claimed: _Claimed,
                     local: _LocalDevelopment, text: str) -> Iterator[_Hit]:
    """The assignments of the candidate `lines` (offsets mapped to `text`, the whole file, by `original`)."""
    for name, value, value_start in _assignments(lines, bare_values):
        secret = strip_auth_scheme(value.strip())
        start = original(value_start) + (value.index(secret) if secret in value else 0)
        end = start + len(secret)
        last = name.rsplit(".", 1)[-1]
        if not claimed.free(start, end):
            continue
        if "\\x" in value or "\\X" in value:
            escapes = len(_HEX_ESCAPE.findall(value))
            value = _hex_unescaped(value)  # judged as the program sees it; the span stays the written one
            if not value.isprintable():
                # Random bytes (`SECRET_KEY = b'\\x8f\\x12…'`, an os.urandom printed) under a secret name are a key;
                # a terminal's colour code or a binary format's few bytes are not.
                if escapes >= 12 and is_secret_name(last):
                    claimed.claim(start, end)
                    yield _Hit("secret_assignment", "literal secret", "assignment", start, end, last)
                continue
        if is_secret_name(last) and (looks_like_secret(value) or (
                holds_any_literal(last) and looks_like_password(value, local, last)
                and (is_password_name(last) or not looks_like_name(value)))):
            if is_tool_default(value) and _login_beside(text, start, value):
                continue  # `login: postgres` / `password: postgres`: the tool's default, as `postgres:postgres@`
            claimed.claim(start, end)
            yield _Hit("secret_assignment", "literal secret", "assignment", start, end, last)
        elif (is_random_name(last) and looks_random(value)) or (is_key_name(last) and looks_random(value, True)):
            claimed.claim(start, end)
            yield _Hit("random_value", "random literal under a nonce, ticket or signature name", "assignment",
                       start, end, last)
        elif is_provider_name(last) and looks_random(value):
            claimed.claim(start, end)
            yield _Hit("service_key", "random literal under a service's name", "assignment", start, end, last)


# Two names unpacked from two literals: `login, password = "ada", "..."` (each value goes to its own name);
# matched from a line's start, only for a name found after a comma.
_UNPACKING = linear.compile(
    rf"""[ \t]*(?P<a>{_NAME})[ \t]*,[ \t]*(?P<b>{_NAME})[ \t]*=[ \t]*"""
    rf"""(?:"(?P<a1>{_VALUE})"|'(?P<a2>{_VALUE})')[ \t]*,[ \t]*(?:"(?P<b1>{_VALUE})"|'(?P<b2>{_VALUE})')"""
)
# What continues an expression after its first string literal: concatenation, %-formatting, str.format, join.
_CONTINUED = re.compile(r"[ \t]*(?:\+|%[ \t]*[(\w]|\.format\(|\.join\()")
_QUOTED_NAMES = tuple(_QUOTED_ASSIGNMENT.group_number(g) for g in _NAME_GROUPS)
_QUOTED_VALUES = tuple(_QUOTED_ASSIGNMENT.group_number(g) for g in _VALUE_GROUPS)


def _after_comma(text: str, position: int) -> bool:
    """Is the character before `position`, blanks aside, a comma?"""
    position -= 1
    while position >= 0 and text[position] in " \t":
        position -= 1
    return position >= 0 and text[position] == ","


def _assignments(text: str, bare_values: bool) -> Iterator[tuple[str, str, int]]:
    """(name, value, where the value starts) of every assignment of a quoted value, then of a bare one."""
    for spans in _QUOTED_ASSIGNMENT.spans(text):  # spans, not match objects: this runs on every candidate line
        name = next(spans[g] for g in _QUOTED_NAMES if spans[g][0] >= 0)
        value = next(spans[g] for g in _QUOTED_VALUES if spans[g][0] >= 0)
        follows = text[value[1] + 1:value[1] + 9].lstrip(" \t")[:1]  # the expression only where it may match
        if follows and follows in "+%." and _CONTINUED.match(text, value[1] + 1):
            continue  # `secret_key = "astro_sdk_" + k`: the literal is a piece of the value, not the value
        if _after_comma(text, name[0]):
            # matched on its line alone, so that a file of many such lines stays linear
            begin, end = text.rfind("\n", 0, name[0]) + 1, text.find("\n", name[0])
            unpacked = _UNPACKING.match(text[begin:end if end >= 0 else len(text)])
            if unpacked is not None:  # `login, password = "ada", "..."`: "ada" is the login's, the second its own
                group = "b1" if unpacked.matched("b1") else "b2"
                yield unpacked.group("b") or "", unpacked.group(group) or "", begin + unpacked.start(group)
                continue
        yield text[name[0]:name[1]], text[value[0]:value[1]], value[0]
    if any(word in text for word in _WRAPPER_WORDS):
        for match in _WRAPPED_ASSIGNMENT.finditer(text):
            group = "v1" if match.matched("v1") else "v2"
            yield match.group("name") or "", match.group(group) or "", match.start(group)
    if bare_values:
        for match in _BARE_ASSIGNMENT.finditer(text):
            yield match.group("name") or "", match.group("value") or "", match.start("value")


def _aws_secrets(text: str, lowered: str, claimed: _Claimed) -> Iterator[_Hit]:
    if "secret" not in lowered and "akia" not in lowered and "asia" not in lowered:
        return
    lines, lowered_lines = text.split("\n"), lowered.split("\n")  # same offsets: _lower keeps the length
    context_lines = [i for i, line in enumerate(lines)
                     if ("secret" in lowered_lines[i] or "AKIA" in line or "ASIA" in line)
                     and AWS_SECRET_CONTEXT.search(line)]
    if not context_lines:
        return
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    near_lines = sorted({near for number in context_lines
                         for near in range(max(0, number - _AWS_SECRET_WINDOW),
                                           min(len(lines), number + _AWS_SECRET_WINDOW + 1))})
    for near in near_lines:
        line = lines[near]
        for line_start, line_end in AWS_SECRET.matches(line):
            value = line[line_start:line_end]
            start, end = starts[near] + line_start, starts[near] + line_end
            # Random base64 mixes classes; a 40-letter word, hex digest or path does not.
            if character_classes(value) >= 3 and any(c.isdigit() for c in value) and not made_up(value) and \
                    claimed.free(start, end):
                claimed.claim(start, end)
                yield _Hit("aws_secret_access_key", "AWS secret access key", "format", start, end)


def _fact(text: str, path: str, hit: _Hit, lines: LineStarts) -> SecretFact:
    value = text[hit.start:hit.end]
    line, line_start = lines.line(hit.start)
    end_line, end_line_start = lines.line(max(hit.start, hit.end - 1))
    if end_line == line:
        end_line_start = line_start
    else:
        end_line_start = text.rfind("\n", 0, hit.end) + 1
    location = Location(path, line, hit.start - line_start + 1, end_line, hit.end - end_line_start + 1)
    return SecretFact(hit.detector, hit.title, hit.category, hit.name, location, mask(value), fingerprint(value))


def spans(text: str, bare_values: bool = True) -> list[tuple[int, int]]:
    """Where the secrets of a text are (for redaction)."""
    return [(hit.start, hit.end) for hit in _hits(text, bare_values)]
