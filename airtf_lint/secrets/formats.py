"""Credentials with a provider's own shape: a fixed prefix, a fixed length, a structure that can be checked.

Each format is written from the provider's documentation of its token format. `keywords` are lower-case strings
that every match contains: a file holding none of them is never searched with the format's expression, which is
what keeps secret detection from dominating a run.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airtf_lint.secrets import linear
from airtf_lint.secrets.linear import Pattern
from airtf_lint.secrets.values import typed_run


@dataclass(frozen=True)
class SecretFormat:
    id: str
    title: str
    keywords: tuple[str, ...]
    # RE2 (linear time): the credential is the group `s`; `(?:^|(?P<b>...))` before it stands for a lookbehind.
    pattern: Pattern
    # A check on the matched value beyond the expression (a structure that must decode); None accepts every match.
    valid: Callable[[str], bool] | None = None
    # The characters that may not touch the credential, before and after it (what `(?<![...])`, `(?![...])` said),
    # checked in Python with Python's own character classes.
    not_before: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None
    # An optional tail the credential may be read without, when what follows the tail touches it
    # (`dapi...-1` followed by a letter is `dapi...`, as the backtracking expression read it).
    optional_tail: re.Pattern[str] | None = None

    def matches(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every credential of this format in `text`, in order."""
        for match in self.pattern.finditer(text):
            if self.not_before is not None and match.matched("b") and self.not_before.match(text, match.start("b")):
                continue
            start, end = match.span("s")
            if self.not_after is not None and self.not_after.match(text, end):
                tail = self.optional_tail.search(text, start, end) if self.optional_tail is not None else None
                if tail is None or self.not_after.match(text, tail.start()):
                    continue
                end = tail.start()
            yield start, end


def _token(id_: str, title: str, keywords: tuple[str, ...], core: str, before: str | None = None,
           after: str | None = None, valid: Callable[[str], bool] | None = None,
           optional_tail: str | None = None) -> SecretFormat:
    """A format whose credential `core` may not be touched by the characters of the class `before` / `after`."""
    lead = ""
    if before is not None:
        # The character before is taken by the expression (RE2 has no lookbehind) and judged again in Python.
        lead = f"(?:^|(?P<b>[^{before}]))"
    return SecretFormat(
        id_, title, keywords, linear.compile(f"{lead}(?P<s>{core})"), valid,
        re.compile(f"[{before}]") if before is not None else None,
        re.compile(f"[{after}]") if after is not None else None,
        re.compile(optional_tail + r"\Z") if optional_tail is not None else None,
    )


def _b64json(segment: str) -> dict | None:
    try:
        decoded = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(decoded)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _valid_jwt(token: str) -> bool:
    header = _b64json(token.split(".", 1)[0])
    return header is not None and "alg" in header


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(text: str) -> int:
    number = 0
    for char in text:
        number = number * 62 + _BASE62.index(char)
    return number


def _valid_github(token: str) -> bool:
    """GitHub's tokens end in a CRC32 of their random part, base62, in 6 characters (github.blog, 2021-04-05,
    "Behind GitHub's new authentication token formats"); fine-grained `github_pat_` tokens publish no check."""
    if token.startswith("github_pat_"):
        return True
    body, check = token[4:-6], token[-6:]
    return _base62(check) == zlib.crc32(body.encode("ascii"))


_MADE_UP_WORDS = ("here", "random", "example", "placeholder", "your", "dummy", "fake", "redacted", "abc123",
                  "123abc", "xyz123")


def made_up(token: str) -> bool:
    """A provider-shaped string someone typed, not a key: a character repeated six times or more (`AKIAXXXX...`,
    `AIzaaaaa...`), an alphabet run of seven (`abcdefghij...`; digit runs are left in, see `typed_run`), a block
    typed three times over, or a word saying so (`xoxe.xoxp-1-RANDOMSTRINGHERE`, `…abc123xyz…`). Random keys of
    these lengths hold none of them but by rare chance. Linear in the token."""
    lowered = token.lower()
    return any(word in lowered for word in _MADE_UP_WORDS) or typed_run(token)


def _valid_pem(block: str) -> bool:
    # A key written one quoted line at a time (`"-----BEGIN ...\\n"` `"MIIE...\\n"`) is read without its quotes.
    body = re.sub(r"-----[A-Z ]+-----|\\n|\\r|\s|[\"']", "", block)
    # A real key body is long base64; documentation shows `...` or `<key>` there.
    return len(body) >= 64 and re.fullmatch(r"[A-Za-z0-9+/=]+", body) is not None


_PEM_BODY = r"(?:\\n|\\r|\s|[A-Za-z0-9+/=:,\-\"']|Proc-Type|DEK-Info)*?"

FORMATS: tuple[SecretFormat, ...] = (
    # IAM user keys start AKIA, STS session keys ASIA; the 16 characters after are base32 (A-Z, 2-7).
    _token("aws_access_key_id", "AWS access key id", ("akia", "asia", "abia", "acca"),
           r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}", before="A-Z0-9", after="A-Z0-9"),
    SecretFormat(
        "private_key", "private key (PEM)", ("private key-----",),
        # RE2 finds the END of a header repeated with no END once, in one pass (a backtracking search went back
        # to every header).
        linear.compile(r"(?P<s>-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
                       + _PEM_BODY
                       + r"-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)"),
        _valid_pem,
    ),
    _token("gcp_api_key", "Google API key", ("aiza",), r"AIza[0-9A-Za-z_-]{35}", before=r"\w-", after=r"\w-"),
    _token("gcp_oauth_client_secret", "Google OAuth client secret", ("gocspx-",), r"GOCSPX-[0-9A-Za-z_-]{28}",
           before=r"\w-", after=r"\w-"),
    _token("gcp_oauth_token", "Google OAuth access token", ("ya29.",), r"ya29\.[0-9A-Za-z_-]{30,}",
           before=r"\w.-"),
    # Entra ID client secrets since 2021: 3 characters, a digit, `Q~`, then 31-34 characters.
    _token("azure_client_secret", "Azure AD client secret", ("q~",), r"[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}",
           before=r"\w~.-", after=r"\w~.-"),
    _token("github_token", "GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
           r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", before=r"\w", after=r"\w",
           valid=_valid_github),
    # GitLab's token prefixes (docs.gitlab.com, security/tokens, "Token prefixes"): personal, deploy, runner,
    # pipeline trigger, CI/CD job, feed, incoming mail, agent, OAuth application secret, SCIM, feature flag client.
    _token("gitlab_token", "GitLab token",
           ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glimt-", "glagent-", "gloas-", "glsoat-", "glffct-",
            "glcbt-"),
           # Each prefix has its length: 20 to 50 (a routable token holds dots), trigger 40, incoming mail 25,
           # OAuth application secret 64, agent 50 or more; a string one character off is another string.
           r"(?:glpat|gldt|glrt|glft|glsoat|glffct)-[0-9A-Za-z_.-]{20,50}|glptt-[0-9A-Za-z_-]{40}|"
           r"glimt-[0-9A-Za-z_-]{25}|gloas-[0-9A-Za-z_-]{64}|glagent-[0-9A-Za-z_-]{50,1000}|"
           r"glcbt-[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20,50}", before=r"\w-", after=r"\w.-"),
    _token("gitlab_runner_registration_token", "GitLab runner registration token", ("gr1348941",),
           r"GR1348941[0-9A-Za-z_-]{20}", before=r"\w-", after=r"\w-"),
    SecretFormat("gitlab_session", "GitLab session cookie", ("_gitlab_session=",),
                 linear.compile(r"_gitlab_session=(?P<s>[0-9A-Za-z]{32})"), not_after=re.compile(r"[0-9A-Za-z]")),
    # DigitalOcean personal access, OAuth and refresh tokens (docs.digitalocean.com, "token prefixes", 2021).
    _token("digitalocean_token", "DigitalOcean token", ("dop_v1_", "doo_v1_", "dor_v1_"),
           r"do[opr]_v1_[a-f0-9]{64}", before=r"\w", after=r"\w"),
    # Cloudflare Origin CA keys: `v1.0-`, 24 hex, `-`, 146 hex.
    _token("cloudflare_origin_ca_key", "Cloudflare Origin CA key", ("v1.0-",), r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
           before=r"\w.-", after=r"\w"),
    _token("perplexity_key", "Perplexity API key", ("pplx-",), r"pplx-[A-Za-z0-9]{48}", before=r"\w-", after=r"\w"),
    _token("anthropic_key", "Anthropic API key", ("sk-ant-",), r"sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,100}AA",
           before=r"\w-", after=r"\w-"),
    # OpenAI keys hold `T3BlbkFJ` (base64 of `OpenAI`) between two random halves.
    _token("openai_key", "OpenAI API key", ("t3blbkfj",),
           r"sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}",
           before=r"\w-", after=r"\w-"),
    # age (age-encryption.org) secret keys: Bech32, `AGE-SECRET-KEY-1` and 58 characters of its alphabet.
    _token("age_secret_key", "age secret key", ("age-secret-key-1",),
           r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", before=r"\w-", after=r"\w"),
    _token("slack_token", "Slack token", ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"),
           r"xox(?:[abprs]|e(?:\.xox[bp])?)-(?:\d+-)+[0-9A-Za-z-]{10,}", before=r"\w-", after=r"\w-"),
    _token("slack_webhook", "Slack incoming webhook", ("hooks.slack.com",),
           r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,}/[AB][A-Z0-9]{6,}/[A-Za-z0-9]{20,}"),
    _token("stripe_key", "Stripe secret key", ("sk_live_", "rk_live_", "sk_test_", "rk_test_"),
           r"[rs]k_(?:live|test)_[0-9A-Za-z]{24,99}", before=r"\w", after=r"\w"),
    _token("databricks_token", "Databricks personal access token", ("dapi",), r"dapi[0-9a-f]{32}(?:-\d)?",
           before=r"\w", after=r"\w", optional_tail=r"-\d"),
    _token("terraform_cloud_token", "Terraform Cloud / Enterprise API token", (".atlasv1.",),
           r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}", before=r"\w", after=r"\w=-"),
    _token("vault_token", "HashiCorp Vault token", ("hvs.", "hvb."), r"hv[sb]\.[A-Za-z0-9_-]{24,}",
           before=r"\w.", after=r"\w-"),
    # Snowflake PATs are JWTs; this format only matters where the word snowflake is near: the JWT format below
    # reports them otherwise.
    SecretFormat(
        "snowflake_pat", "Snowflake programmatic access token", ("snowflake",),
        linear.compile(r"(?i:snowflake)[\w.-]*(?:token|pat)[\"']?\s*[:=]\s*[\"']?(?P<s>eyJ[A-Za-z0-9_-]{10,}\."
                       r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"),
    ),
    _token("jwt", "JSON Web Token", ("eyj",), r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
           before=r"\w-", after=r"\w-", valid=_valid_jwt),
    _token("sendgrid_key", "SendGrid API key", ("sg.",), r"SG\.[\w-]{22}\.[\w-]{43}", before=r"\w", after=r"\w-"),
    # A macaroon: 70 characters or more after its fixed header (a shorter one is cut off, not a token).
    _token("pypi_token", "PyPI upload token", ("pypi-ageichlwas5vcmc",), r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{70,}",
           before=r"\w-", after=r"\w-"),
    _token("npm_token", "npm access token", ("npm_",), r"npm_[A-Za-z0-9]{36}", before=r"\w", after=r"\w"),
)

# An AWS secret access key has no prefix: 40 base64 characters, trusted only beside its key id or a secret-ish name.
AWS_SECRET = _token("aws_secret_access_key", "AWS secret access key", (), r"[A-Za-z0-9/+]{40}",
                    before="A-Za-z0-9/+=", after="A-Za-z0-9/+=")
AWS_SECRET_CONTEXT = linear.compile(r"aws.{0,20}secret|secret.?access.?key|secret_key|(?:AKIA|ASIA)[A-Z2-7]{16}", "i")
