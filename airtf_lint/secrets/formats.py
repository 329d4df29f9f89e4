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
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SecretFormat:
    id: str
    title: str
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]
    # A check on the matched value beyond the expression (a structure that must decode); None accepts every match.
    valid: Callable[[str], bool] | None = None


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


def _valid_pem(block: str) -> bool:
    body = re.sub(r"-----[A-Z ]+-----|\\n|\\r|\s", "", block)
    # A real key body is long base64; documentation shows `...` or `<key>` there.
    return len(body) >= 64 and re.fullmatch(r"[A-Za-z0-9+/=]+", body) is not None


_PEM_BODY = r"(?:\\n|\\r|\s|[A-Za-z0-9+/=:,\-]|Proc-Type|DEK-Info)*?"

FORMATS: tuple[SecretFormat, ...] = (
    SecretFormat(
        "aws_access_key_id", "AWS access key id", ("akia", "asia", "abia", "acca"),
        # IAM user keys start AKIA, STS session keys ASIA; the 16 characters after are base32 (A-Z, 2-7).
        re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])"),
    ),
    SecretFormat(
        "private_key", "private key (PEM)", ("private key-----",),
        re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----" + _PEM_BODY
                   + r"-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
        _valid_pem,
    ),
    SecretFormat(
        "gcp_api_key", "Google API key", ("aiza",),
        re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])"),
    ),
    SecretFormat(
        "gcp_oauth_client_secret", "Google OAuth client secret", ("gocspx-",),
        re.compile(r"(?<![\w-])GOCSPX-[0-9A-Za-z_-]{28}(?![\w-])"),
    ),
    SecretFormat(
        "gcp_oauth_token", "Google OAuth access token", ("ya29.",),
        re.compile(r"(?<![\w.-])ya29\.[0-9A-Za-z_-]{30,}"),
    ),
    SecretFormat(
        "azure_client_secret", "Azure AD client secret", ("q~",),
        # Entra ID client secrets since 2021: 3 characters, a digit, `Q~`, then 31-34 characters.
        re.compile(r"(?<![\w~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![\w~.-])"),
    ),
    SecretFormat(
        "github_token", "GitHub token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![\w])"),
        _valid_github,
    ),
    SecretFormat(
        "gitlab_token", "GitLab token", ("glpat-", "gldt-", "glrt-", "glptt-"),
        re.compile(r"(?<![\w-])(?:glpat|gldt|glrt|glptt)-[0-9A-Za-z_-]{20,}(?![\w-])"),
    ),
    SecretFormat(
        "slack_token", "Slack token", ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe"),
        re.compile(r"(?<![\w-])xox(?:[abprs]|e(?:\.xox[bp])?)-(?:\d+-)+[0-9A-Za-z-]{10,}(?![\w-])"),
    ),
    SecretFormat(
        "slack_webhook", "Slack incoming webhook", ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,}/[AB][A-Z0-9]{6,}/[A-Za-z0-9]{20,}"),
    ),
    SecretFormat(
        "stripe_key", "Stripe secret key", ("sk_live_", "rk_live_", "sk_test_", "rk_test_"),
        re.compile(r"(?<![\w])[rs]k_(?:live|test)_[0-9A-Za-z]{24,99}(?![\w])"),
    ),
    SecretFormat(
        "databricks_token", "Databricks personal access token", ("dapi",),
        re.compile(r"(?<![\w])dapi[0-9a-f]{32}(?:-\d)?(?![\w])"),
    ),
    SecretFormat(
        "terraform_cloud_token", "Terraform Cloud / Enterprise API token", (".atlasv1.",),
        re.compile(r"(?<![\w])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}(?![\w=-])"),
    ),
    SecretFormat(
        "vault_token", "HashiCorp Vault token", ("hvs.", "hvb."),
        re.compile(r"(?<![\w.])hv[sb]\.[A-Za-z0-9_-]{24,}(?![\w-])"),
    ),
    SecretFormat(
        "snowflake_pat", "Snowflake programmatic access token", ("snowflake",),
        # Snowflake PATs are JWTs; this format only matters where the word snowflake is near: the JWT format below
        # reports them otherwise.
        re.compile(r"(?i:snowflake)[\w.-]*(?:token|pat)[\"']?\s*[:=]\s*[\"']?(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"
                   r"\.[A-Za-z0-9_-]{10,})"),
    ),
    SecretFormat(
        "jwt", "JSON Web Token", ("eyj",),
        re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}(?![\w-])"),
        _valid_jwt,
    ),
    SecretFormat(
        "sendgrid_key", "SendGrid API key", ("sg.",),
        re.compile(r"(?<![\w])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])"),
    ),
    SecretFormat(
        "pypi_token", "PyPI upload token", ("pypi-ageichlwas5vcmc",),
        re.compile(r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ),
    SecretFormat(
        "npm_token", "npm access token", ("npm_",),
        re.compile(r"(?<![\w])npm_[A-Za-z0-9]{36}(?![\w])"),
    ),
)

# An AWS secret access key has no prefix: 40 base64 characters, trusted only beside its key id or a secret-ish name.
AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
AWS_SECRET_CONTEXT = re.compile(r"(?i)(aws.{0,20}secret|secret.?access.?key|secret_key|(?:AKIA|ASIA)[A-Z2-7]{16})")
