"""Which names hold secrets: `db_password`, `apiKey`, `AWS_SECRET_ACCESS_KEY`, `Authorization` do; `password_field`,
`secret_name`, `token_url`, `access_key_id` and `kms_key_arn` name something about a secret, not the secret."""

from __future__ import annotations

import re
from functools import lru_cache

# One word of a name that makes it hold a secret on its own.
_SECRET_WORDS = frozenset({
    "password", "passwd", "pwd", "pass", "passphrase", "secret", "secrets", "token", "apikey", "credential",
    "credentials", "authorization", "privatekey", "secretkey", "accesskey", "clientsecret", "sastoken", "connstr",
    "authkey",
})
# Secret words that also count run together with others in one word (`PGPASSWORD`, `DBSECRET`, `GHTOKEN`).
_RUN_TOGETHER = ("password", "passwd", "secret", "token", "apikey", "credential", "privatekey", "accesskey")
# Two words that together do (the name is split into words first: `api_key`, `apiKey`, `API-KEY`).
_SECRET_PAIRS = frozenset({
    ("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("client", "secret"),
    ("signing", "key"), ("encryption", "key"), ("master", "key"), ("account", "key"), ("auth", "key"),
    ("shared", "key"), ("storage", "key"), ("app", "key"), ("webhook", "url"), ("fernet", "key"),
    ("aes", "key"), ("hmac", "key"), ("subscription", "key"), ("function", "key"), ("admin", "key"),
})
# Services that issue API keys: `<service>_key` holds one (`AZURE_OPENAI_KEY`, `stripe_key`, `cosmosKey`), and a
# name that is the service alone (`cloudflare: "..."`) does when its value is random.
PROVIDERS = frozenset({
    "openai", "anthropic", "cloudflare", "mailgun", "sendgrid", "stripe", "twilio", "datadog", "slack", "github",
    "gitlab", "heroku", "digitalocean", "pagerduty", "mapbox", "algolia", "pusher", "mailchimp", "mandrill",
    "postmark", "newrelic", "sentry", "segment", "mixpanel", "shopify", "paypal", "braintree", "okta", "auth0",
    "gemini", "mistral", "cohere", "perplexity", "huggingface", "replicate", "groq", "pinecone", "airtable",
    "notion", "vercel", "netlify", "snyk", "circleci", "databricks", "cosmos", "cosmosdb", "azure", "bitbucket",
    "discord", "telegram", "dropbox", "zendesk", "hubspot", "intercom", "rollbar", "bugsnag", "honeybadger",
    "cloudinary", "contentful", "firebase", "fcm", "apns", "onesignal", "vonage", "nexmo", "plaid", "etherscan",
    "infura", "alchemy", "coinbase", "binance", "opsgenie", "splunk", "elastic", "logdna", "loggly", "grafana",
})
# Tokens that are not credentials: paging cursors and the like (`nextPageToken`, `continuation_token`).
_NOT_CREDENTIAL_PAIRS = frozenset({("page", "token"), ("continuation", "token"), ("cursor", "token"),
                                   ("sync", "token"), ("resume", "token"), ("csrf", "token"), ("next", "token"),
                                   ("input", "token"), ("output", "token")})
# Names that say their value is made up for a test or an example.
_MADE_UP = frozenset({"sample", "mock", "fake", "dummy", "example", "test", "stub"})
# A last word that makes the name describe a secret rather than hold it.
_DESCRIBING = frozenset({
    "name", "names", "id", "ids", "arn", "path", "file", "filename", "url", "uri", "endpoint", "type", "field",
    "fields", "length", "len", "ttl", "version", "env", "var", "variable", "ref", "prefix", "suffix", "header",
    "template", "policy", "rotation", "enabled", "required", "count", "format", "expiry", "expires", "expiration",
    "location", "backend", "manager", "store", "kind", "conn", "dir", "param", "parameter", "mount", "label",
    "key_id", "placeholder", "hint", "regex", "pattern", "mode", "class", "hash", "hashed", "digest", "salt",
    "policy", "lifetime", "timeout", "reset", "change", "changed", "min", "max", "size", "secretref", "source",
    "provider", "method", "scope", "scopes", "audience", "issuer", "role", "user", "username", "arn", "key",
    "keys", "bucket", "table", "column", "attribute", "description", "desc", "help", "prompt", "message", "msg",
    "error", "exists", "ok", "valid", "validation", "status", "at", "date", "time", "duration", "age", "days",
})
# ... unless the pair before it is itself a secret: `secret_key`, `api_key`, `private_key`, `access_key`.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(name: str) -> list[str]:
    """The words of a name, lower-cased; a number is not a word (`password1` and `password2` of a form hold
    passwords)."""
    return [w.lower() for w in _WORDS.findall(name) if not w.isdigit()]


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    parts = words(name)
    if not parts:
        return False
    last = parts[-1]
    if parts[0] in _MADE_UP or (len(parts) >= 2 and (parts[-2], last) in _NOT_CREDENTIAL_PAIRS):
        return False
    if "public" in parts:
        return False  # `PublicKeyToken=121fae78…` of a .NET assembly, `public_key`: published on purpose
    if len(parts) >= 2 and (parts[-2], last) in _SECRET_PAIRS:
        return True
    if last == "key" and any(part in PROVIDERS for part in parts[:-1]):
        return True
    if last in _DESCRIBING:
        return False
    joined = "".join(parts)
    if joined in _SECRET_WORDS:
        return True
    if any(part in _SECRET_WORDS or any(word in part for word in _RUN_TOGETHER) for part in parts):
        return True
    return any(pair in _SECRET_PAIRS for pair in zip(parts, parts[1:]))


_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass", "pw"})


@lru_cache(maxsize=4096)
def is_password_name(name: str) -> bool:
    """A secret name whose value is a password (`db_password`, `MYSQL_PASSWORD`, `PGPASSWORD`, `Password`)."""
    if not is_secret_name(name):
        return False
    parts = words(name)
    if parts == ["pass"]:
        return False  # `"pass": "fail"`, a test's outcome
    return parts[-1] in _PASSWORD_WORDS or parts[-1].endswith(("password", "passwd"))


@lru_cache(maxsize=4096)
def holds_any_literal(name: str) -> bool:
    """A name whose literal value is a credential however weak it is: a password name, or a compound one ending in
    `secret` (`client_secret`, `jwt_secret`, `OAUTH_CLIENT_SECRET`) or `secret_key`."""
    if is_password_name(name):
        return True
    if not is_secret_name(name):
        return False
    parts = words(name)
    return (len(parts) >= 2 and parts[-1] == "secret") or parts[-2:] == ["secret", "key"]


# Words of names whose values are random but do not sound secret: reported only when the value is random too.
_RANDOM_WORDS = frozenset({"nonce", "noncestr", "ticket", "sig", "signature", "salt", "verifier", "hmac", "otp"})


@lru_cache(maxsize=4096)
def is_random_name(name: str) -> bool:
    """`nonce`, `jsapi_ticket`, `SECURITY_PASSWORD_SALT`, `oauth_verifier`: not `ticket_id`, `signature_method`."""
    parts = words(name)
    if not parts or parts[0] in _MADE_UP:
        return False
    return parts[-1] in _RANDOM_WORDS or (parts[-1] not in _DESCRIBING and any(p in _RANDOM_WORDS for p in parts))


@lru_cache(maxsize=4096)
def is_provider_name(name: str) -> bool:
    """`cloudflare`, `azure_openai`: a name that is a key-issuing service and nothing else."""
    parts = words(name)
    return bool(parts) and all(part in PROVIDERS for part in parts)


@lru_cache(maxsize=4096)
def is_key_name(name: str) -> bool:
    """`key`, `cadataKey`, `tenant_key`: a key of some kind, secret only if its value is random (`key_id` is not)."""
    parts = words(name)
    return bool(parts) and parts[-1] == "key" and parts[0] not in _MADE_UP and not _NOT_SECRET_KEYS & set(parts)


# Keys that are not secrets whatever their value: a public key, a database's or a cache's key.
_NOT_SECRET_KEYS = frozenset({"public", "pub", "partition", "sort", "cache", "primary", "foreign", "hash", "range",
                              "row", "idempotency", "dedup", "dedupe", "lookup", "object", "routing", "shard",
                              "group", "unique", "index", "composite", "natural", "surrogate", "join", "merge",
                              "match", "distribution", "cluster", "s3", "blob", "file", "bucket", "map", "dict"})


# Lower-case fragments one of which every secret-ish name contains: found with str.find over the lower-cased text,
# they pick the few lines the assignment expressions then run on (`key` alone is frequent in HCL, but cheap to
# reject line by line).
NAME_FRAGMENTS = ("pass", "pwd", "secret", "token", "credential", "authoriz", "webhook", "connstr", "key",
                  # random-valued names, and what the embedded syntaxes need (`Basic <base64>`, SQL's
                  # `IDENTIFIED BY`, `b64encode(b"user:password")`)
                  "nonce", "ticket", "signature", "_sig", "sig_", "sig=", "sig =", "salt", "verifier", "basic",
                  "identified", "b64encode")
