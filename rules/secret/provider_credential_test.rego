package airtf.rules.secret.provider_credential_test

import data.airtf.rules.secret.provider_credential

secret(detector, category) := {"detector": detector, "title": "AWS secret access key", "category": category, "name": null, "file_kind": "dag", "redacted": "wJal***(40 chars)", "fingerprint": "0123456789abcdef", "path": "dags/a.py", "line": 3, "column": 9, "end_line": 3, "end_column": 49}

test_provider_format_is_flagged_with_its_masked_value if {
	results := provider_credential.deny with input as {"secrets": [secret("aws_secret_access_key", "format")]}
	count(results) == 1
	some r in results
	r.line == 3
	r.column == 9
	r.severity == "high"
	contains(r.msg, "wJal***(40 chars)")
	contains(r.msg, "DAG code")
}

test_access_key_id_alone_is_medium if {
	some r in provider_credential.deny with input as {"secrets": [secret("aws_access_key_id", "format")]}
	r.severity == "medium"
}

test_other_categories_are_left_to_their_rules if {
	count(provider_credential.deny) == 0 with input as {"secrets": [secret("secret_assignment", "assignment")]}
}
