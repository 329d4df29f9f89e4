package airtf.rules.secret.output_not_sensitive_test

import data.airtf.rules.secret.output_not_sensitive

test_an_exposing_output_is_flagged_at_its_value if {
	results := output_not_sensitive.deny with input as {"terraform": {"secret_outputs": [{"name": "key_secret", "module": "infra", "exposes": ["aws_iam_access_key.etl.secret"], "path": "infra/outputs.tf", "line": 2, "column": 3}]}}
	some r in results
	r.line == 2
	contains(r.msg, "aws_iam_access_key.etl.secret")
	contains(r.msg, "\"key_secret\"")
}

test_no_exposing_outputs_no_findings if {
	count(output_not_sensitive.deny) == 0 with input as {"terraform": {"secret_outputs": []}}
}
