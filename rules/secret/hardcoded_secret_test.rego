package airtf.rules.secret.hardcoded_secret_test

import data.airtf.rules.secret.hardcoded_secret

secret(category, name, kind) := {"detector": "x", "title": "literal secret", "category": category, "name": name, "file_kind": kind, "redacted": "Pr0d***(12 chars)", "fingerprint": "0123456789abcdef", "path": "a", "line": 2, "column": 15, "end_line": 2, "end_column": 27}

test_assignment_names_the_field if {
	some r in hardcoded_secret.deny with input as {"secrets": [secret("assignment", "DB_PASSWORD", "tfvars")]}
	contains(r.msg, "\"DB_PASSWORD\"")
	contains(r.msg, "tfvars")
	r.column == 15
}

test_variable_default_names_the_variable if {
	some r in hardcoded_secret.deny with input as {"secrets": [secret("variable_default", "db_password", "terraform")]}
	contains(r.msg, "variable \"db_password\"")
}

test_format_secrets_are_not_reported_twice if {
	count(hardcoded_secret.deny) == 0 with input as {"secrets": [secret("format", null, "dag")]}
}
