"""Terraform's built-in functions, evaluated offline, with bounded cost.

Each takes the evaluation scope first (file() and templatefile() read through it) and raises on arguments
Terraform would reject; the evaluator turns that into an error value. Results are bounded: no string over
MAX_STRING characters and no collection over MAX_ITEMS items is built (TooLarge, which the evaluator reports as an
unknown value), and regular expressions run on RE2, in linear time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import posixpath
import re
import urllib.parse
from collections.abc import Callable
from typing import Any

from airtf_lint.linear_re import compile_linear
from airtf_lint.terraform.values import error, has_unknown, is_error, is_unknown, render_json, to_number, to_string, unknown

MAX_STRING = 1_000_000  # characters of one computed string
MAX_ITEMS = 100_000  # elements of one computed list or map


class TooLarge(Exception):
    """A computed value would pass the size bounds: the expression is unknown rather than built."""


def too_large(value: Any) -> bool:
    """Whether a computed value passes the bounds (checked on results, shallowly: its parts were checked when built)."""
    if isinstance(value, str):
        return len(value) > MAX_STRING
    if isinstance(value, (list, dict)):
        return len(value) > MAX_ITEMS
    return False


_FORMAT_VERB = re.compile(r"%(%|([-+ #0]*)(\d*)((?:\.\d+)?)([vsdtqfeEgGxXob]))")


def _format(scope: Any, spec: str, *args: Any) -> str:
    values = iter(args)

    def replace(match: re.Match[str]) -> str:
        verb = match.group(1)
        if verb == "%":
            return "%"
        value = next(values)
        flags, width, precision, kind = match.group(2), match.group(3), match.group(4), match.group(5)
        if len(width) > 6 or len(precision) > 7:  # %999999999d would allocate a gigabyte
            raise TooLarge("format() width or precision")
        align = "<" if "-" in flags else ""
        fill = "0" if "0" in flags and not align else ""
        sign = "+" if "+" in flags else ""
        if kind in "dxXob":
            text = format(int(value), f"{sign}{kind if kind != 'd' else 'd'}")
        elif kind in "feEgG":
            text = format(float(value), f"{sign}{precision or '.6'}{kind}")
        elif kind == "q":
            text = json.dumps(to_string(value))
        elif kind == "t":
            text = "true" if value else "false"
        else:
            plain = to_string(value)
            text = json.dumps(value, separators=(",", ":")) if plain is None else plain
        if width:
            text = format(text, f"{fill or ' '}{align or '>'}{width}") if not fill else text.zfill(int(width))
        return text

    return _FORMAT_VERB.sub(replace, spec)


def _merge(scope: Any, *maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if is_unknown(item) or not isinstance(item, dict):
            raise TypeError("merge of a non-object")
        out.update(item)
    return out


def _flatten(scope: Any, value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if is_unknown(item):
            raise TypeError("unknown element")
        out.extend(_flatten(scope, item) if isinstance(item, list) else [item])
    return out


def _key(value: Any) -> str:
    """A hashable identity for any value (sets and distinct() compare by value in linear time)."""
    return json.dumps(value, sort_keys=True)


def _distinct(scope: Any, items: list[Any]) -> list[Any]:
    first: dict[str, Any] = {}
    for item in items:
        first.setdefault(_key(item), item)
    return list(first.values())


def _toset(scope: Any, value: list[Any]) -> list[Any]:
    return sorted({_key(v): v for v in value}.values(), key=_key)


def _concat(scope: Any, *lists: Any) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise TypeError("concat of a non-list")
        out.extend(item)
    return out


def _file(scope: Any, path: str) -> Any:
    """file(): relative to where the path says (path.module/...) or, like Terraform, to the root module."""
    if scope.read_file is None or path.startswith("/"):
        raise ValueError("no file access")
    for candidate in (path, posixpath.join(scope.root_dir or ".", path)):
        text = scope.read_file(posixpath.normpath(candidate))
        if text is not None:
            return text
    raise ValueError("file not available")


def _templatefile(scope: Any, path: str, variables: dict[str, Any]) -> Any:
    value = scope.render_template(_file(scope, path), dict(variables))
    if is_unknown(value):
        raise ValueError("template not fully known")
    return value


# Terraform's regular expressions are RE2's (Go's regexp): matched here by RE2 too, in linear time.
def _regex(scope: Any, pattern: str, text: str) -> Any:
    match = compile_linear(pattern).search(text)
    if match is None:
        raise ValueError("no match")
    if match.groupdict():
        return match.groupdict()
    return list(match.groups()) if match.groups() else match.group(0)


def _regexall(scope: Any, pattern: str, text: str) -> list[Any]:
    return [m.group(0) if not m.groups() else list(m.groups()) for m in compile_linear(pattern).finditer(text)]


_GO_EXPANSION = re.compile(r"\$(?:(\$)|\{(\w+)\}|(\w+))")


def _go_replacement(template: str) -> str:
    """Go's `$1`, `${1}`, `${name}` and `$$` as Python's `\\g<1>`, `\\g<name>` and `$`."""
    escaped = template.replace("\\", "\\\\")
    return _GO_EXPANSION.sub(lambda m: "$" if m.group(1) else f"\\g<{m.group(2) or m.group(3)}>", escaped)


def _replace(scope: Any, text: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return compile_linear(old[1:-1]).sub(_go_replacement(new), text)
    return text.replace(old, new)


def _range(scope: Any, *bounds: Any) -> list[int]:
    numbers = range(*(int(x) for x in bounds))
    if len(numbers) > MAX_ITEMS:
        raise TooLarge(f"range() of {len(numbers)} numbers")
    return list(numbers)


def _formatlist(scope: Any, spec: str, *lists: Any) -> list[str]:
    rows = min((len(lst) for lst in lists if isinstance(lst, list)), default=1)
    if rows > MAX_ITEMS:
        raise TooLarge(f"formatlist() of {rows} rows")
    columns = [lst if isinstance(lst, list) else [lst] * rows for lst in lists]
    return [_format(scope, spec, *row) for row in zip(*columns)]


def _indent(scope: Any, spaces: Any, text: str) -> str:
    if int(spaces) * text.count("\n") > MAX_STRING:
        raise TooLarge("indent() result")
    return text.replace("\n", "\n" + " " * int(spaces))


def _try(scope: Any, *values: Any) -> Any:
    """The first argument that is not an error; unknown if that one is not known yet (as in Terraform)."""
    for value in values:
        if is_error(value):
            continue
        return unknown("try(...)") if has_unknown(value) else value
    return error("try(...)")


def _can(scope: Any, value: Any) -> Any:
    if is_error(value):
        return False
    return unknown("can(...)") if has_unknown(value) else True


def _lookup(scope: Any, mapping: dict[str, Any], key: str, *default: Any) -> Any:
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise KeyError(key)


def _coalesce(scope: Any, *values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    raise ValueError("no non-null argument")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": lambda scope, value: render_json(value),
    "jsondecode": lambda scope, text: json.loads(text),
    "merge": _merge,
    "concat": _concat,
    "flatten": _flatten,
    "tolist": lambda scope, value: list(value),
    "toset": _toset,
    "tomap": lambda scope, value: dict(value),
    "tostring": lambda scope, value: to_string(value) if to_string(value) is not None else _fail(),
    "tonumber": lambda scope, value: to_number(value) if to_number(value) is not None else _fail(),
    "tobool": lambda scope, value: value if isinstance(value, bool) else {"true": True, "false": False}[value],
    "format": _format,
    "formatlist": _formatlist,
    "lower": lambda scope, s: s.lower(),
    "upper": lambda scope, s: s.upper(),
    "title": lambda scope, s: s.title(),
    "trimspace": lambda scope, s: s.strip(),
    "chomp": lambda scope, s: s.rstrip("\r\n"),
    "trim": lambda scope, s, chars: s.strip(chars),
    "trimprefix": lambda scope, s, p: s.removeprefix(p),
    "trimsuffix": lambda scope, s, p: s.removesuffix(p),
    "startswith": lambda scope, s, p: s.startswith(p),
    "endswith": lambda scope, s, p: s.endswith(p),
    "join": lambda scope, sep, items: sep.join(to_string(i) or _fail() for i in items),
    "split": lambda scope, sep, s: s.split(sep),
    "replace": _replace,
    "substr": lambda scope, s, offset, length: s[offset:] if length == -1 else s[offset:offset + length],
    "length": lambda scope, value: len(value),
    "keys": lambda scope, value: sorted(value),
    "values": lambda scope, value: [value[k] for k in sorted(value)],
    "lookup": _lookup,
    "element": lambda scope, items, index: items[int(index) % len(items)],
    "contains": lambda scope, items, value: value in items,
    "distinct": _distinct,
    "compact": lambda scope, items: [v for v in items if v not in (None, "")],
    "coalesce": _coalesce,
    "coalescelist": lambda scope, *lists: next(lst for lst in lists if lst),
    "zipmap": lambda scope, ks, vs: dict(zip(ks, vs)),
    "sort": lambda scope, items: sorted(items),
    "reverse": lambda scope, items: list(reversed(items)),
    "min": lambda scope, *n: min(n),
    "max": lambda scope, *n: max(n),
    "abs": lambda scope, n: abs(n),
    "range": _range,
    "slice": lambda scope, items, start, end: items[int(start):int(end)],
    "one": lambda scope, items: items[0] if len(items) == 1 else (None if not items else _fail()),
    "file": _file,
    "templatefile": _templatefile,
    "basename": lambda scope, p: posixpath.basename(p),
    "dirname": lambda scope, p: posixpath.dirname(p),
    "regex": _regex,
    "regexall": _regexall,
    "base64encode": lambda scope, s: base64.b64encode(s.encode()).decode(),
    "base64decode": lambda scope, s: base64.b64decode(s).decode(),
    "md5": lambda scope, s: hashlib.md5(s.encode()).hexdigest(),  # noqa: S324 - Terraform's md5(), not security
    "sha1": lambda scope, s: hashlib.sha1(s.encode()).hexdigest(),  # noqa: S324
    "sha256": lambda scope, s: hashlib.sha256(s.encode()).hexdigest(),
    "urlencode": lambda scope, s: urllib.parse.quote(s, safe=""),
    "setunion": lambda scope, *sets: _toset(scope, [v for s in sets for v in s]),
    "setintersection": lambda scope, first, *rest: _toset(scope, [v for v in first
                                                                 if all(_key(v) in {_key(x) for x in r} for r in rest)]),
    "setsubtract": lambda scope, a, b: _toset(scope, [v for v in a if _key(v) not in {_key(x) for x in b}]),
    "alltrue": lambda scope, items: all(v is True or v == "true" for v in items),
    "anytrue": lambda scope, items: any(v is True or v == "true" for v in items),
    "strrev": lambda scope, s: s[::-1],
    "indent": _indent,
    "try": _try,
    "can": _can,
    "nonsensitive": lambda scope, value: value,
    "sensitive": lambda scope, value: value,
}

# Functions that decide for themselves what an unknown argument means.
PARTIAL_OK = frozenset({"jsonencode", "merge", "concat", "tolist", "toset", "flatten", "coalesce",
                        "compact", "length"})


def _fail() -> Any:
    raise ValueError("conversion not possible")
