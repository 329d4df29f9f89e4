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
from urllib.parse import unquote

from airtf_lint.secrets import linear
from airtf_lint.secrets.names import words

# RE2: `{{.*?}}` in `re` goes back to every `{{` of a value made of them (quadratic).
_TEMPLATE = linear.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}|%\([\w.]+\)s|\{[\w.]*\}|"
                            r"\{[A-Za-z_][^{}\n]{0,200}\}")  # an f-string's expression: `{self.create_jwt()}`
_ENV_REFERENCE = re.compile(r"^\$\w+$|^\$\{\w+\}$|^%\w+%$")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)change.?me|changeit|example|placeholder|dummy|sample|redacted|replace.?(?:me|this|with)|your[_ -]|"
    r"my[_-]?(?:secret|password|token|key)|^(?:test|mock)[_-]?|fake|abc123|123abc|xyz123|^todo|^fixme|^tbd$|"
    r"secret.?here|password.?here|token.?here|insert|^none$|^null$|^nil$|^undefined$|^true$|^false$|"
    r"^not[_ -]?set|^unset$|"
    r"^n/?a$|^empty$|^default$|^secret$|^password$|^token$|^pass(?:word)?\d?$|^xxx|^\.\.\.|^abc(?:123|def)?$|"
    r"^123+4*5*6*$|^qwer|^admin$|^user$|^\d{1,7}$"
)
_MASKED = re.compile(r"^(.)\1{3,}$|^[*x•#?.-]{3,}$|\*{3,}|\*\*$|^<.*>$|^\[.*\]$|^\(.*\)$")  # `6a2**`: masked
_IDENTIFIER = re.compile(r"^[a-z]+(?:[_.-][a-z]+)*$|^[A-Z]+(?:_[A-Z]+)*$|^[a-z]+(?:[A-Z][a-z]+)+$"
                         r"|^[A-Z][a-z]+(?:[A-Z][a-z]+)+$"  # PascalCase words: `NextResult`
                         r"|^[a-z_]+(?:/[a-z_]+)+$"  # a path of words: `users/check_credentials`
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


# The secret words a value may spell (`token_12345`, `private_pass`), in the order the expression tries them.
_SECRET_VALUE_WORDS = ("token", "password", "passwd", "secret", "apikey", "api_key", "key", "pass", "pwd")
_SECRET_WORDS_IN_VALUES = re.compile("(?i)" + "|".join(_SECRET_VALUE_WORDS))


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
    # `token_12345`, `password1`, `secret-42`, `newT0k3n`: the field's own word numbered or renewed, a test value.
    for form in (value, plain):
        rest = _SECRET_WORDS_IN_VALUES.sub("", form)
        if rest != form and (len(rest) < 4 or not re.search(r"[A-Za-z]", rest)):
            return True
    return False


def is_runtime_value(value: str) -> bool:
    """Filled in at run time or pointing elsewhere: a template, an environment variable, a reference, a URL."""
    return bool(_TEMPLATE.search(value) or _ENV_REFERENCE.match(value) or _REFERENCE.match(value))


# Three to sixteen letters or digits typed three times over (`abcd1234abcd1234abcd1234`); bounded, so linear.
_REPEATED_BLOCK = re.compile(r"([A-Za-z0-9]{3,16})\1\1")


def typed_run(value: str, digits: bool = False) -> bool:
    """A character repeated six times, an alphabet run of seven (with `digits`, a digit run too) or a block typed
    three times over: typed, not random (`abcdefg`, `1234567`, `abcd1234abcd1234abcd1234`). Provider formats leave
    digit runs in: test ids such as Slack's `123456789012` are common in fixtures."""
    repeat = run = 1
    for previous, char in zip(value, value[1:]):
        repeat = repeat + 1 if char == previous else 1
        sequential = (char.isalpha() or (digits and char.isdigit())) and char.isascii()
        run = run + 1 if sequential and ord(char) == ord(previous) + 1 else 1
        if repeat >= 6 or run >= 7:
            return True
    return len(value) >= 9 and _REPEATED_BLOCK.search(value) is not None


def looks_like_password(value: str, local_defaults: bool = False, name: str = "") -> bool:
    """A literal under a password name (`password="pygm..."`, `MYSQL_PASSWORD=ctfd`, `auth_password="open sesame"`):
    a password however weak, unless it is clearly not a value: a template, a reference, empty, a placeholder
    (`<password>`, `changeme`, `xxx`, `****`, `your-password-here`), a path, code, a prompt, a typed run, or, where
    the file says it is for local development (`local_defaults`, read only for such a value, so it may answer
    lazily), a local tool's documented default; a tool's
    default named by the name holding it (`POSTGRES_PASSWORD=postgres`) is kept out everywhere."""
    if len(value) < 4 or len(value) > 200 or "\n" in value or "://" in value or _EMAIL.match(value):
        return False  # a URI's password is judged as such; an e-mail address is the login beside it
    if not any(c.isalnum() for c in value):
        return False  # punctuation only (`,.:-@*?!`): a set of separators, not a password
    if any(c.isspace() for c in value) and (len(value) > 64 or value.count(" ") > 2 or value != value.strip()
                                            or _DESCRIBES.search(value)):
        return False  # a sentence, a prompt (`Enter the password`) or code between two strings (`' + x['`)
    if is_runtime_value(value) or is_placeholder(value) or _MADE_UP_PASSWORD.search(value) or \
            typed_run(value, digits=True):
        return False
    if (_LOCAL_DEFAULTS.search(value) and local_defaults) or _names_its_tool(value, name):
        return False
    if name and _spells_its_name(value, name):
        return False
    if value.startswith(("/", "$", "%", "{", "~", "./")) or value.endswith((".json", ".pem", ".txt", ".key")):
        return False
    return not _CODE_LIKE.search(value)


# Beyond `is_placeholder`'s words, the made-up passwords that say what they are (`foobar`, `insecure`,
# `notasecret`, `hunter2`, `put-it-here`).
_MADE_UP_PASSWORD = linear.compile(
    r"(?i)[_ -]here$|^(?:foo|bar|baz|qux)|^(?:hunter2|letmein)$|insecure|notasecret|not_?secret|mustbe|"
    r"any_?(?:pass|secret|string)|^my_?pass|^(?:s3cr3t|pa55|secure_?value)"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# Words that make a value with spaces a description of a password rather than one.
_DESCRIBES = linear.compile(r"(?i)password|passphrase|secret|token|enter |your |the ")
# The documented defaults of local development tools (Airflow's compose file, Postgres, MySQL, RabbitMQ, MinIO,
# LocalStack), kept out only where the file says it is for local development (`admin`, `test`, `password` are
# placeholders everywhere).
_LOCAL_DEFAULTS = linear.compile(r"(?i)^(?:airflow|postgres|postgresql|mysql|root|guest|minioadmin|minio123|"
                                 r"localstack|redis|rabbitmq|dev|local)$")
# Tools whose documented default password is their own name (the Airflow compose file's `airflow:airflow`, the
# Postgres image's `postgres`, RabbitMQ's `guest:guest`, MinIO's `minioadmin`).
_TOOL_DEFAULTS = frozenset({"airflow", "postgres", "postgresql", "mysql", "guest", "minioadmin", "rabbitmq",
                            "localstack", "redis", "elastic", "kibana", "grafana"})


_WORDS_ONLY = re.compile(r"^[A-Za-z]+(?:[_.-]?[A-Za-z]+)*$")


def _spells_its_name(value: str, name: str) -> bool:
    """`TESTING_REMOTE_PRIVATE_PASS = "private_pass"`, `db_password = "dbPassword"`: the value is words of the name
    holding it, its secret word among them (the field's own word, a placeholder)."""
    if not _WORDS_ONLY.match(value):
        return False
    value_words = set(words(value))
    # the secret word itself among them: `'inception'` under INCEPTION_REMOTE_BACKUP_PASSWORD is a password
    return not value_words.isdisjoint(_SECRET_VALUE_WORDS) and value_words <= set(words(name))


def is_tool_default(value: str) -> bool:
    """A tool's documented default password, its own name (`postgres`, `airflow`, `guest`)."""
    return value.lower() in _TOOL_DEFAULTS


def _names_its_tool(value: str, name_or_user: str) -> bool:
    """`POSTGRES_PASSWORD=postgres`, `airflow:airflow@`: the default of the tool the name (or the user) names."""
    return is_tool_default(value) and bool(name_or_user) and value.lower() in name_or_user.lower()


# How a file says it is for local development (Airflow's docker-compose.yaml: "This configuration is for local
# development. Do not use it in a production deployment.").
LOCAL_DEVELOPMENT = linear.compile(r"(?i)local[ -]development|development only|local[ -]testing|"
                                   r"(?:do not|don't|not to|never) use (?:it |this |them )?in production|"
                                   r"not (?:be )?(?:used |meant |intended )?for production|localstack")
# A value that is code or a name, not a password: a call, an attribute path, a Python/Jinja expression.
_CODE_LIKE = linear.compile(r"^[A-Za-z_]\w*\(|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def looks_like_secret(value: str) -> bool:
    """A literal worth reporting when a secret-ish name holds it."""
    value = strip_auth_scheme(value.strip())
    if len(value) < 6 or len(value) > 1000 or any(c.isspace() for c in value):
        return False
    if is_runtime_value(value) or is_placeholder(value) or typed_run(value, digits=True) or \
            (_IDENTIFIER.match(value) and not _UUID.match(value)):
        return False
    if value.startswith("/") or value.endswith((".json", ".pem", ".key", ".txt", ".yaml", ".yml", ".p12")):
        return False  # a path to a key file is not the key
    if "://" in value or _EMAIL.match(value):
        return False  # a URI (its password is judged as such), an e-mail address (the login beside a password)
    classes = character_classes(value)
    if classes < 2 and len(value) < 20:
        return False
    return entropy(value) >= (2.5 if len(value) < 16 else 3.0)


def looks_like_name(value: str) -> bool:
    """Words joined (`ows-writer`, `processing-aws-creds-c3-landsat`, `someclientsecret`): the name of a secret, a
    made-up value, not a random one; a UUID is not a name."""
    return bool(_IDENTIFIER.match(value)) and not _UUID.match(value)


def looks_random(value: str, strict: bool = False) -> bool:
    """A value that is random by its look alone (under a name that does not sound secret, `nonce = "..."`): 16
    characters or more, letters and digits mixed, 3.3 bits of entropy a character, not a word or a placeholder;
    `strict` (under a bare `key`, whose values are mostly not secret): 24 characters and 3.8 bits."""
    value = value.strip()
    if len(value) < 16 or len(value) > 1000 or any(c.isspace() for c in value) or entropy(value) < 3.3:
        return False
    if is_runtime_value(value) or is_placeholder(value) or typed_run(value, digits=True) or _IDENTIFIER.match(value):
        return False
    mixed_case = any(c.islower() for c in value) and any(c.isupper() for c in value)
    if not (any(c.isalpha() for c in value) and (any(c.isdigit() for c in value) or (mixed_case and len(value) >= 20))):
        return False
    if "." in value or ("/" in value and not any(c in value for c in "+=")):
        return False  # a file name, a path, a URL, a version
    return entropy(value) >= (3.3 if not strict else 3.8) and (not strict or len(value) >= 24)


def looks_like_uri_password(password: str, user: str, local_defaults: bool = False) -> bool:
    """The password of `scheme://user:password@host`: structure says it is one, so only runtime values and
    placeholders are left out, and, where the file says it is for local development, the user name repeated
    (`airflow:airflow`) and the tools' documented defaults."""
    if "%" in password and not password.startswith("%"):
        password = unquote(password)  # `p%40ss` is `p@ss` (a placeholder, as `pass` in leetspeak)
    if not password or is_runtime_value(password) or is_placeholder(password) or _MADE_UP_PASSWORD.search(password) \
            or typed_run(password, digits=True):
        return False  # `postgresql://app:insecure@db`: a value saying what it is; `:abcdefghij…@`: typed
    if _names_its_tool(password, user) or ((password == user or _LOCAL_DEFAULTS.search(password)) and local_defaults):
        return False
    return not password.startswith(("%", "$"))


def mask(value: str) -> str:
    """What may be shown of a secret: its first four characters and its length."""
    return f"{value[:4]}***({len(value)} chars)"


def fingerprint(value: str) -> str:
    """Stable across files and runs, so one secret pasted in three places is seen as one; not reversible."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]
