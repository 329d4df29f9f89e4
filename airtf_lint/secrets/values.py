"""Is a literal assigned to a secret-ish name a secret, or a template, a reference, a placeholder, a word?

Airflow and Terraform fill secrets in at run time in ways a generic scanner does not know: Jinja
(`{{ conn.x.password }}`, `{{ var.value.x }}`), Terraform interpolation (`${var.x}`), environment variables
(`$DB_PASSWORD`), printf-style slots. Those, the placeholders people write in examples, and plain words are not
secrets; what remains must look random enough (entropy and character classes) to be one.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter

from airtf_lint.secrets import linear

# RE2: `{{.*?}}` in `re` goes back to every `{{` of a value made of them (quadratic).
_TEMPLATE = linear.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|%\([\w.]+\)s|\{[\w.]*\}")
_ENV_REFERENCE = re.compile(r"^\$\w+$|^\$\{\w+\}$|^%\w+%$")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)change.?me|changeit|example|placeholder|dummy|sample|redacted|replace.?(?:me|this|with)|your[_ -]|"
    r"my[_-]?(?:secret|password|token|key)|^(?:fake|test|mock)[_-]?|^todo|^fixme|^tbd$|secret.?here|"
    r"password.?here|token.?here|insert|^none$|^null$|^nil$|^undefined$|^true$|^false$|^not[_ -]?set|^unset$|"
    r"^n/?a$|^empty$|^default$|^secret$|^password$|^token$|^pass(?:word)?\d?$|^xxx|^\.\.\.|^abc(?:123|def)?$|"
    r"^123+4*5*6*$|^qwerty|^admin$|^root$|^user$|^guest$|^airflow$|^postgres$|^mysql$"
)
_MASKED = re.compile(r"^(.)\1{3,}$|^[*x•#?.-]{3,}$|\*{3,}|^<.*>$|^\[.*\]$|^\(.*\)$")
_IDENTIFIER = re.compile(r"^[a-z]+(?:[_.-][a-z]+)*$|^[A-Z]+(?:_[A-Z]+)*$|^[a-z]+(?:[A-Z][a-z]+)+$"
                         # the name of a secret, not its value: `processing-aws-creds-c3-landsat` (three or more
                         # words, each starting with a letter; a UUID's hex groups are reported, see below)
                         r"|^[a-z][a-z0-9]*(?:-(?:[a-z][a-z0-9]*|[0-9]{1,4})){2,}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_REFERENCE = re.compile(r"^(?:var|local|data|module|each|self|count)\.[\w.\[\]\"-]+$|^(?:arn|projects|https?|s3|gs|file)[:/]")
_AUTH_SCHEME = re.compile(r"^(?:Bearer|Basic|Token|token|Bot|ApiKey|Api-Key)\s+", re.I)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


def character_classes(value: str) -> int:
    return sum((
        any(c.islower() for c in value),
        any(c.isupper() for c in value),
        any(c.isdigit() for c in value),
        any(not c.isalnum() for c in value),
    ))


def strip_auth_scheme(value: str) -> str:
    """`Bearer abc...` holds the secret `abc...`."""
    return _AUTH_SCHEME.sub("", value, count=1)


_SECRET_WORDS_IN_VALUES = re.compile(r"(?i)token|password|passwd|secret|apikey|api_key|key|pass|pwd")


_LEET = str.maketrans({"@": "a", "4": "a", "!": "l", "1": "l", "|": "l", "0": "o", "$": "s", "5": "s", "3": "e",
                       "7": "t", "6": "g"})
# A value spelling out that it is a secret (`SuperSecretPassword`, `MyPassw0rd!`) is an example someone made up.
_SELF_DESCRIBING = re.compile(r"password|passwd|secret|changeit")


def is_placeholder(value: str) -> bool:
    if _PLACEHOLDER_WORDS.search(value) or _MASKED.search(value):
        return True
    plain = value.lower().translate(_LEET)  # `Ex@mp!e1`, `Passw0rd`
    if plain != value.lower() and _PLACEHOLDER_WORDS.search(plain):
        return True
    if _SELF_DESCRIBING.search(plain):
        return True
    # `token_12345`, `password1`, `secret-42`: the field's own word numbered, a test value.
    rest = _SECRET_WORDS_IN_VALUES.sub("", value)
    return rest != value and (len(rest) < 4 or not re.search(r"[A-Za-z]", rest))


def is_runtime_value(value: str) -> bool:
    """Filled in at run time or pointing elsewhere: a template, an environment variable, a reference, a URL."""
    return bool(_TEMPLATE.search(value) or _ENV_REFERENCE.match(value) or _REFERENCE.match(value))


def typed_run(value: str) -> bool:
    """A character repeated six times or an alphabet run of seven letters: typed, not random (`abcdefg`)."""
    repeat = run = 1
    for previous, char in zip(value, value[1:]):
        repeat = repeat + 1 if char == previous else 1
        run = run + 1 if char.isalpha() and ord(char) == ord(previous) + 1 else 1
        if repeat >= 6 or run >= 7:
            return True
    return False


def looks_like_password(value: str) -> bool:
    """A literal under a password name (`password="pygm..."`, `MYSQL_PASSWORD=ctfd`): a password however weak,
    unless it is clearly not a value: a template, a reference, empty, a placeholder, a path, a typed run."""
    value = value.strip()
    if len(value) < 4 or len(value) > 200 or any(c.isspace() for c in value):
        return False
    if is_runtime_value(value) or is_placeholder(value) or typed_run(value) or _WEAK_PLACEHOLDER.search(value):
        return False
    if value.startswith(("/", "$", "%", "<", "{", "~", "./")) or value.endswith((".json", ".pem", ".txt", ".key")):
        return False
    return not _CODE_LIKE.search(value)


# Words a made-up password is built of (`foobarbaz`, `mustbeeightchars`, `mypassphrase`) and the dev defaults
# that say what they are (`insecure`).
_WEAK_PLACEHOLDER = linear.compile(r"(?i)^(?:foo|bar|baz|qux|hunter2$|letmein$|insecure|mustbe|my_?pass|any_?(?:pass|secret|string))|"
                                   r"(?i)^(?:s3cr3t|p@ss|pa55|secure_?value|notasecret|not_?secret)")


# A value that is code or a name, not a password: a call, an attribute path, a Python/Jinja expression.
_CODE_LIKE = linear.compile(r"^[A-Za-z_]\w*\(|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def looks_like_secret(value: str) -> bool:
    """A literal worth reporting when a secret-ish name holds it."""
    value = strip_auth_scheme(value.strip())
    if len(value) < 6 or len(value) > 1000 or any(c.isspace() for c in value):
        return False
    if is_runtime_value(value) or is_placeholder(value) or typed_run(value) or \
            (_IDENTIFIER.match(value) and not _UUID.match(value)):
        return False
    if value.startswith("/") or value.endswith((".json", ".pem", ".key", ".txt", ".yaml", ".yml", ".p12")):
        return False  # a path to a key file is not the key
    classes = character_classes(value)
    if classes < 2 and len(value) < 20:
        return False
    return entropy(value) >= (2.5 if len(value) < 16 else 3.0)


def looks_like_uri_password(password: str, user: str) -> bool:
    """The password of `scheme://user:password@host`: structure says it is one, so only runtime values, placeholders
    and the well-known defaults where user and password are the same word are left out."""
    if not password or password == user or is_runtime_value(password) or is_placeholder(password) or \
            _WEAK_PLACEHOLDER.search(password):  # `postgresql://app:insecure@db`: a local default saying so
        return False
    return not password.startswith(("%", "$"))


def mask(value: str) -> str:
    """What may be shown of a secret: its first four characters and its length."""
    return f"{value[:4]}***({len(value)} chars)"


def fingerprint(value: str) -> str:
    """Stable across files and runs, so one secret pasted in three places is seen as one; not reversible."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
