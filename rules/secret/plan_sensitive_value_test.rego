package airtf.rules.secret.plan_sensitive_value_test

import data.airtf.rules.secret.plan_sensitive_value

test_sensitive_plan_value_is_named_never_shown if {
	results := plan_sensitive_value.deny with input as {"secrets": [{"category": "sensitive", "name": "aws_db_instance.main.password", "redacted": "(sensitive value)", "file_kind": "plan", "path": "plan.json", "line": 40, "column": 25}]}
	some r in results
	contains(r.msg, "aws_db_instance.main.password")
	not contains(r.msg, "sensitive value)")
	r.line == 40
}

test_other_secrets_are_not_plan_values if {
	count(plan_sensitive_value.deny) == 0 with input as {"secrets": [{"category": "uri", "name": null, "redacted": "x", "file_kind": "plan", "path": "plan.json", "line": 1}]}
}
