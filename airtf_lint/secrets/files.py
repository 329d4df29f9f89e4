"""Which secret scans each kind of file gets. Called by the parse stage with the text it has already read."""

from __future__ import annotations

from airtf_lint.facts import FileFacts, FileKind
from airtf_lint.secrets.scan import scan_text
from airtf_lint.secrets.stores import new_store_values, secret_store_values
from airtf_lint.secrets.terraform import variable_defaults

# YAML and .env values need no quotes, so a bare `password: abc` is a value there; in code it is an expression.
_BARE_VALUES = frozenset({".yaml", ".yml", ".env"})
# Files that are examples by name (`.env.example`, `.env.sample`): their values are made up for the reader, so only
# values in a provider's own format (which someone pasted for real) are reported there.
_EXAMPLE_SUFFIXES = (".example", ".sample", ".template", ".dist", ".tmpl")
# Test code is scanned like any other: a literal credential in a test (`password="newToken"` to test a hook) is
# still a credential in the repository, and labelled real code (CredData) counts it as one. A project that wants
# its tests out says so (`exclude: ["tests/**"]`, or a `# airtf-lint: ignore` on the line).


def scan_file(text: str, facts: FileFacts) -> None:
    source = facts.source
    suffix = source.absolute.suffix.lower()
    bare = source.kind is FileKind.CONNECTIONS and (suffix in _BARE_VALUES or source.absolute.name.startswith(".env"))
    compose = suffix in (".yaml", ".yml") and source.absolute.name.lower().startswith(("docker-compose", "compose."))
    found = scan_text(text, source.path, bare_values=bare, local_development=compose)
    if source.absolute.name.lower().endswith(_EXAMPLE_SUFFIXES):
        found = [s for s in found if s.category == "format"]
    if source.kind is FileKind.TERRAFORM and not source.path.endswith(".json"):
        found += variable_defaults(facts.hcl_blocks, text)
        found += new_store_values(secret_store_values(facts.hcl_blocks, text), [*found, *facts.secrets])
    # A plan's sensitive values are reported as such, wherever else the plan repeats them.
    seen = {(s.location.line, s.location.column) for s in facts.secrets}
    sensitive = {s.fingerprint for s in facts.secrets if s.category == "sensitive"}
    facts.secrets.extend(s for s in found
                         if (s.location.line, s.location.column) not in seen and s.fingerprint not in sensitive)
    facts.secrets.sort(key=lambda s: (s.location.line, s.location.column))
