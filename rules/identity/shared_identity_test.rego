package airtf.rules.identity.shared_identity_test

import data.airtf.rules.identity.shared_identity

model(dag_ids) := {
	"settings": {"shared_identity_dags": 2},
	"terraform": {"principals": [{"id": "p", "address": "aws_iam_role.airflow", "path": "iam.tf", "line": 3}]},
	"airflow": {"dags_by_principal": {"p": dag_ids}},
}

test_identity_over_the_threshold_is_flagged_at_the_principal if {
	results := shared_identity.deny with input as model(["a", "b", "c"])
	count(results) == 1
	some r in results
	r.path == "iam.tf"
	contains(r.msg, "3 DAGs")
}

test_identity_at_the_threshold_passes if {
	count(shared_identity.deny) == 0 with input as model(["a", "b"])
}
