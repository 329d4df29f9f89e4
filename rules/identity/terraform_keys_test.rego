package airtf.rules.identity.terraform_keys_test

import data.airtf.rules.identity.terraform_keys

model(tasks) := {
	"terraform": {
		"aws": {"access_keys": [{"address": "aws_iam_access_key.ci", "user": "u", "path": "iam.tf", "line": 4}]},
		"gcp": {"keys": [{"address": "google_service_account_key.etl", "service_account": "sa", "path": "gcp.tf", "line": 9}]},
	},
	"airflow": {"tasks_by_principal": tasks},
}

test_keys_of_identities_airflow_uses_are_flagged_high_at_the_key if {
	results := terraform_keys.deny with input as model({"u": ["d.t"], "sa": ["d.g"]})
	count(results) == 2
	some r in results
	r.path == "iam.tf"
	r.line == 4
	r.severity == "high"
}

test_a_key_no_task_uses_is_still_a_finding_graded_medium if {
	results := terraform_keys.deny with input as model({})
	count(results) == 2
	every r in results {
		r.severity == "medium"
		contains(r.msg, "no Airflow task")
	}
}

test_no_keys_no_findings if {
	count(terraform_keys.deny) == 0 with input as {"terraform": {"aws": {"access_keys": []}, "gcp": {"keys": []}}, "airflow": {"tasks_by_principal": {}}}
}
