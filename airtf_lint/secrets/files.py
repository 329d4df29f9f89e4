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
# Test code and its fixtures hold made-up credentials by design (`password="newToken"` to test a hook): there too,
# only values in a provider's own format are reported. Measured on 19 real DAG and Terraform repositories, name-based
# findings in test files were all made-up values.
_TEST_FOLDERS = frozenset({"tests", "test", "testing", "unit_tests", "integration_tests"})


def is_test_file(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1].lower()
    return bool(_TEST_FOLDERS & {p.lower() for p in parts[:-1]}) or name.startswith("test_") or \
        name.endswith(("_test.py", "_tests.py")) or name == "conftest.py"


def scan_file(text: str, facts: FileFacts) -> None:
    source = facts.source
    suffix = source.absolute.suffix.lower()
    bare = source.kind is FileKind.CONNECTIONS and (suffix in _BARE_VALUES or source.absolute.name.startswith(".env"))
    found = scan_text(text, source.path, bare_values=bare)
    if source.absolute.name.lower().endswith(_EXAMPLE_SUFFIXES) or is_test_file(source.path):
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
