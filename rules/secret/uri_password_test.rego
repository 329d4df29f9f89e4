package airtf.rules.secret.uri_password_test

import data.airtf.rules.secret.uri_password

test_uri_password_is_flagged if {
	results := uri_password.deny with input as {"secrets": [{"category": "uri", "redacted": "S3cr***(10 chars)", "file_kind": "connections", "path": ".env", "line": 4, "column": 30}]}
	some r in results
	contains(r.msg, "S3cr***(10 chars)")
	contains(r.msg, "connection file")
	r.path == ".env"
}

test_no_uri_secrets_no_findings if {
	count(uri_password.deny) == 0 with input as {"secrets": [{"category": "assignment", "redacted": "x", "file_kind": "dag", "path": "a", "line": 1}]}
}
