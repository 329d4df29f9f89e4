"""Credentials written inside a string with the syntax of another language: the shell's `NAME=value` in a
BashOperator command or a `user_data` script, a connection string's `password=` (JDBC, ODBC, ADO.NET, URL query),
an HTTP `Authorization:` header in a curl command, a command line's `--password=...`, SQL's `PASSWORD '...'` and
`IDENTIFIED BY '...'`, HTTP Basic credentials (`Basic <base64 of user:password>`, `b64encode(b"user:password")`),
an Azure SAS URL's `sig=`, an `.npmrc` line's `:_authToken=`.

The scanner's assignment expressions want a quoted value (`password = "..."`); in these the value is bare and the
quotes around it belong to the string that holds the whole command. Each detector looks for the other language's
own syntax, and for a sign that it is that language, so that Python's `f(password=pw)` or HCL's `password = var.x`
is not read as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airtf_lint.secrets import linear
import base64
import binascii

from airtf_lint.secrets.names import holds_any_literal, is_secret_name
from airtf_lint.secrets.values import (
    is_placeholder,
    is_runtime_value,
    looks_like_password,
    looks_like_secret,
    looks_like_uri_password,
)


@dataclass(frozen=True, slots=True)
class Embedded:
    detector: str
    title: str
    category: str
    name: str
    start: int  # in the line
    end: int


_VALUE_CHARS = r"""[^\s"'`;&|<>(){}\[\]$\\,]"""
# NAME=value at the start of a command or after a separator, the value bare (a quoted one, `NAME='...'`, is the
# scanner's quoted assignment already). `lead` is what comes before (consumed: RE2 has no lookbehind).
_SHELL = linear.compile(
    r"""(?:^|(?P<lead>[\s"'`;&|]|\\[ntr]))(?P<export>export[ \t]+)?"""
    # the name holds one of the fragments every secret-ish name holds (names.NAME_FRAGMENTS)
    r"""(?P<name>[A-Za-z0-9_]*(?i:pass|pwd|secret|token|credential|authoriz|webhook|connstr|key)[A-Za-z0-9_]*)="""
    rf"""(?P<value>{_VALUE_CHARS}+)"""
)
# What may follow a shell word: a blank, a separator, the quote closing the string that holds the command, an
# escaped newline or quote of that string, the end.
_SHELL_END = re.compile(r"""[\s;&|"'`)]|\\[ntr"'\\]|$""")
# What follows NAME=value in a command: a program to run with it (`... terraform plan`), or a separator.
_NEXT_COMMAND = re.compile(r"""[ \t]+(?:[A-Za-z_./][\w./-]*)|[ \t]*(?:;|&&|\|\||\|)|[ \t]*\\n""")
# ... but not Python or HCL going on after `name=value` (a keyword argument, a conditional expression).
_CODE_WORDS = frozenset({"if", "else", "for", "in", "and", "or", "not", "is", "lambda", "async", "await"})
_DOTTED_REFERENCE = re.compile(r"[A-Za-z_]\w*(?:\.\w+)+")

# key=value pairs of a connection string or URL query: `?user=app&password=...`, `;Pwd=...;`, `;AccountKey=...`.
_PAIR = linear.compile(
    r"""(?P<lead>[?&;])[ \t]*(?P<name>[A-Za-z_][A-Za-z0-9_. -]*?)[ \t]*="""
    r"""(?:\{(?P<braced>[^{}\n]+)\}|(?P<value>[^;&\s"'`#\\]+))"""
)
_PAIR_END = re.compile(r"""[;&\s"'`#\\]|$""")
_PASSWORD_KEYS = frozenset({"password", "pwd", "passwd", "pass", "pw"})
# An Azure shared access signature: `sig=` beside the service version `sv=` of the same query string.
_SAS_VERSION = re.compile(r"[?&]sv=\d{4}-\d\d-\d\d")
_USER_KEYS = frozenset({"user", "uid", "username", "user id", "userid", "user_id"})

# Authorization: <scheme> <credentials>, and X-Api-Key: / PRIVATE-TOKEN: style headers (a name with a hyphen).
_SCHEMES = r"[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|Bot|[Dd]igest|ApiKey|Api-Key|SSWS|Negotiate"
_HEADER = linear.compile(
    r"""(?:^|(?P<b>[^\w-]))(?P<name>(?:[Pp]roxy-)?[Aa]uthorization|AUTHORIZATION|"""
    r"""[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)[ \t]*:[ \t]*"""
    rf"""(?:(?P<scheme>{_SCHEMES})[ \t]+)?(?P<value>[A-Za-z0-9._~+/=:-]+)"""
)
_HEADER_NOT_BEFORE = re.compile(r"[\w-]")
_HEADER_END = re.compile(r"""[\s"'`\\,;)\]}>&|]|$""")
_SCHEME_WORDS = frozenset(s.lower() for s in _SCHEMES.replace("[Bb]", "b").replace("[Tt]", "t")
                          .replace("[Dd]", "d").split("|"))


# A command line's option: `--password=secret`, `--api-token abc...`, the value bare or quoted.
_OPTION = linear.compile(
    r"""(?:^|[\s"'`])--(?P<name>[A-Za-z][A-Za-z0-9_-]{0,60})(?:=|[ \t]+)"""
    r"""(?:"(?P<dq>[^"\n\\]{1,300})"|'(?P<sq>[^'\n\\]{1,300})'|(?P<value>[^\s"'`;&|<>()\\-][^\s"'`;&|<>()\\]{0,300}))"""
)
# SQL: CREATE USER/ROLE ... PASSWORD 'p', ALTER USER ... IDENTIFIED BY 'p', Snowflake's PASSWORD = 'p'.
_SQL = linear.compile(
    r"""(?i:(?:^|[^\w])(?:password|identified[ \t]+by)[ \t]+(?:=[ \t]*)?)'(?P<value>[^'\n\\]{1,200})'"""
)
_SQL_STATEMENT = re.compile(r"(?i)\b(?:create|alter)[ \t]+(?:or[ \t]+replace[ \t]+)?(?:user|role|login)\b")
# HTTP Basic credentials: the header's value anywhere in a string, and the pair before it is encoded.
_BASIC = linear.compile(r"""(?:^|[^\w])(?:Basic|BASIC)[ \t]+(?P<value>[A-Za-z0-9+/]{8,400}={0,2})""")
_ENCODE = linear.compile(r"""b64encode\([ \t]*[bB]?(?:"(?P<dq>[^"\n\\:]{0,100}):(?P<dpw>[^"\n\\]{1,200})"|"""
                         r"""'(?P<sq>[^'\n\\:]{0,100}):(?P<spw>[^'\n\\]{1,200})')""")
_VALUE_END = re.compile(r"""[\s"'`;&|<>()\\,]|$""")

# What each syntax needs somewhere in the text, tested before its expression runs (both are linear).
_SHELL_HINT = re.compile(r"[A-Za-z0-9_]=[^=]")
_PAIR_HINT = re.compile(r"[?&;][ \t]*[A-Za-z_][A-Za-z0-9_. -]*=")
_HEADER_HINT = re.compile(r"(?i:authorization)|[A-Za-z0-9]-[A-Za-z0-9]+[ \t]*:")


def credentials(lines: str, bare_values: bool, free: Callable[[int, int], bool],
                local: bool = False) -> Iterator[Embedded]:
    """The credentials written in `lines` (one or more lines) in a shell's, a connection string's, an HTTP
    header's, a command line's or SQL's syntax, detector by detector; offsets are in `lines`. `free(start, end)`
    says whether a span is still unclaimed (by an earlier detector, or by one yielded before): a claimed one is not
    judged again. `local`: the file says it is for local development (its tools' defaults are not reported)."""
    if _PAIR_HINT.search(lines):  # first: `&password=` in a URL is a connection string's, not a shell's
        yield from _pairs(lines, free, local)
    if _SHELL_HINT.search(lines):
        yield from _shell(lines, bare_values, free)
    if _HEADER_HINT.search(lines):
        yield from _headers(lines, free)
    if "--" in lines:
        yield from _options(lines, free, local)
    yield from _sql(lines, free, local)
    yield from _basic(lines, free, local)
    if ":_" in lines:
        yield from _npmrc(lines, free)


def _options(lines: str, free: Callable[[int, int], bool], local: bool) -> Iterator[Embedded]:
    for match in _OPTION.finditer(lines):
        group = "dq" if match.matched("dq") else "sq" if match.matched("sq") else "value"
        start, end = match.span(group)
        name = (match.group("name") or "").replace("-", "_")
        if group == "value" and not _VALUE_END.match(lines, end):
            continue
        value = match.group(group) or ""
        if not free(start, end) or not is_secret_name(name) or value.startswith(("$", "%", "{{")):
            continue
        if looks_like_secret(value) or (holds_any_literal(name) and looks_like_password(value, local, name)):
            yield Embedded("command_line_secret", "literal secret in a command-line option", "assignment", name,
                           start, end)


def _sql(lines: str, free: Callable[[int, int], bool], local: bool) -> Iterator[Embedded]:
    statement = _PerLine(lines, _SQL_STATEMENT)
    for match in _SQL.finditer(lines):
        start, end = match.span("value")
        value = match.group("value") or ""
        if "=" in lines[match.start():start] and not statement.holds(match.start()):
            continue  # `password = 'x'` is Python's unless the line is a statement (Snowflake's PASSWORD = '...')
        if free(start, end) and looks_like_password(value, local):
            yield Embedded("sql_password", "literal password in SQL", "assignment", "PASSWORD", start, end)


class _PerLine:
    """Does the line holding a position hold `expression`? Searched once a line, however many positions ask (a
    line of a thousand `sig=` is searched once, not a thousand times)."""

    __slots__ = ("text", "expression", "answers")

    def __init__(self, text: str, expression: re.Pattern[str]) -> None:
        self.text = text
        self.expression = expression
        self.answers: dict[int, bool] = {}

    def holds(self, position: int) -> bool:
        begin = self.text.rfind("\n", 0, position) + 1
        if begin not in self.answers:
            end = self.text.find("\n", position)
            self.answers[begin] = self.expression.search(self.text, begin, end if end >= 0 else len(self.text)) \
                is not None
        return self.answers[begin]


def _basic(lines: str, free: Callable[[int, int], bool], local: bool) -> Iterator[Embedded]:
    """`Basic dXNlcjpwYXNz` (decoding to `user:password`) and `b64encode(b"user:password")`."""
    if "asic" in lines or "ASIC" in lines:
        for match in _BASIC.finditer(lines):
            start, end = match.span("value")
            encoded = match.group("value") or ""
            if not free(start, end) or not _VALUE_END.match(lines, end):
                continue
            pair = _decoded_pair(encoded)
            if pair is not None and looks_like_uri_password(pair[1], pair[0], local):  # judged as `user:password@`
                yield Embedded("basic_credentials", "HTTP Basic credentials", "assignment", "Authorization",
                               start, end)
    if "b64encode" in lines:
        for match in _ENCODE.finditer(lines):
            group = "dpw" if match.matched("dpw") else "spw"
            start, end = match.span(group)
            user = match.group("dq" if group == "dpw" else "sq") or ""
            if free(start, end) and looks_like_uri_password(match.group(group) or "", user, local):
                yield Embedded("basic_credentials", "HTTP Basic credentials", "assignment", "Authorization",
                               start, end)


def _decoded_pair(encoded: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, colon, password = text.partition(":")
    if not colon or not text.isprintable() or len(user) > 100:
        return None
    return user, password


def _shell(line: str, bare_values: bool, free: Callable[[int, int], bool]) -> Iterator[Embedded]:
    quotes = _QuoteParity(line)
    for match in _SHELL.finditer(line):
        start, end = match.span("value")
        if not free(start, end):
            continue
        value = match.group("value") or ""
        name = match.group("name") or ""
        if len(name) > 100 or name[0].isdigit() or not _SHELL_END.match(line, end) or not is_secret_name(name):
            continue
        if not (bare_values or match.matched("export") or quotes.inside(match.start("name"))
                or _runs_a_command(line, end)):
            continue
        if value.startswith(("%", "~")) or _DOTTED_REFERENCE.fullmatch(value):
            continue  # a Windows variable, a path, a Python attribute
        if looks_like_secret(value):
            yield Embedded("shell_assignment", "literal secret in a shell command", "assignment", name, start, end)


def _runs_a_command(line: str, position: int) -> bool:
    """`NAME=value terraform plan`, `NAME=value; ...`, `NAME=value && ...`: the shell, not Python or HCL."""
    found = _NEXT_COMMAND.match(line, position)
    if found is None:
        return False
    word = found.group(0).strip()
    return word not in _CODE_WORDS


class _QuoteParity:
    """Is a position inside a quoted string of its line? Counted incrementally: the positions asked come in order."""

    __slots__ = ("text", "position", "double", "single")

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.double = 0
        self.single = 0

    def inside(self, position: int) -> bool:
        if position < self.position:  # out of order: count again
            self.position = self.double = self.single = 0
        newline = self.text.rfind("\n", self.position, position)
        if newline >= 0:  # a new line: count from its start
            self.position, self.double, self.single = newline + 1, 0, 0
        segment = self.text[self.position:position]
        escaped_double, escaped_single = segment.count('\\"'), segment.count("\\'")
        self.double += segment.count('"') - escaped_double
        self.single += segment.count("'") - escaped_single
        self.position = position
        return self.double % 2 == 1 or self.single % 2 == 1


def _pairs(line: str, free: Callable[[int, int], bool], local: bool) -> Iterator[Embedded]:
    sas = _PerLine(line, _SAS_VERSION)
    user = None
    last = 0
    for match in _PAIR.finditer(line):
        if line.find("\n", last, match.start()) >= 0:
            user = None  # the user of another line's connection string
        last = match.start()
        name = (match.group("name") or "").strip()
        group = "braced" if match.matched("braced") else "value"
        value = match.group(group) or ""
        start, end = match.span(group)
        if len(name) > 60 or len(value) > 300 or not _PAIR_END.match(line, match.end()):
            continue
        key = name.lower()
        if key in _USER_KEYS:
            user = value
            continue
        if not free(start, end):
            continue
        if key in _PASSWORD_KEYS:
            if value.startswith(("{{", "{%", "$", "%", "<", "*")) or is_runtime_value(value):
                continue
            if looks_like_uri_password(value, user or "", local):
                yield Embedded("connection_string_password", "password in a connection string", "uri", name,
                               start, end)
        elif is_secret_name(name) and looks_like_secret(value):
            yield Embedded("connection_string_secret", "literal secret in a connection string or URL", "assignment",
                           name, start, end)
        elif key == "sig" and len(value) >= 20 and sas.holds(match.start()) and not is_placeholder(value):
            # an SAS signature: its line holds the query's service version (`sv=2022-11-02`)
            yield Embedded("azure_sas_signature", "Azure shared access signature", "assignment", name, start, end)


# npm's `.npmrc`: `//registry.example.org/:_authToken=...` (and `:_auth=`, `:_password=`, base64), in a file or a
# string that writes one.
_NPMRC = linear.compile(r"""(?:^|[\s"'`=])//[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s"'`/:]+)*/"""
                        r""":_(?P<name>authToken|auth|password)[ \t]*=[ \t]*(?P<value>[^\s"'`;&|<>()\\,]+)""")


def _npmrc(lines: str, free: Callable[[int, int], bool]) -> Iterator[Embedded]:
    for match in _NPMRC.finditer(lines):
        start, end = match.span("value")
        value = match.group("value") or ""
        if free(start, end) and looks_like_secret(value):
            yield Embedded("npmrc_auth", "npm registry credential (.npmrc)", "assignment",
                           f"_{match.group('name')}", start, end)


def _headers(line: str, free: Callable[[int, int], bool]) -> Iterator[Embedded]:
    for match in _HEADER.finditer(line):
        if match.matched("b") and _HEADER_NOT_BEFORE.match(line, match.start("b")):
            continue
        name = match.group("name") or ""
        authorization = name.lower().endswith("authorization")
        if not authorization and (not is_secret_name(name) or match.matched("scheme")):
            continue
        value = match.group("value") or ""
        start, end = match.span("value")
        if len(value) > 1000 or not free(start, end) or not _HEADER_END.match(line, end) \
                or value.lower() in _SCHEME_WORDS:
            continue
        if is_placeholder(value) or not looks_like_secret(value):
            continue
        yield Embedded("authorization_header" if authorization else "secret_header",
                       "credential in an Authorization header" if authorization else "credential in an HTTP header",
                       "assignment", name, start, end)
