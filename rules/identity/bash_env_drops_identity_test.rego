package airtf.rules.identity.bash_env_drops_identity_test

import data.airtf.rules.identity.bash_env_drops_identity

model(arguments, runtime) := {
	"terraform": {"principals": [], "kubernetes": {"pod_identity_associations": []}},
	"airflow": {
		"environment": {"runtime": runtime},
		"tasks": [{"dag_id": "d", "task_id": "sh", "class": "BashOperator", "path": "dags/d.py", "arguments": arguments}],
	},
}

env := {"env": {"value": {"A": "1"}, "line": 9}}

test_env_without_append_env_on_eks_is_flagged_at_the_env_line if {
	results := bash_env_drops_identity.deny with input as model(env, "eks")
	some r in results
	r.line == 9
}

test_append_env_passes if {
	count(bash_env_drops_identity.deny) == 0 with input as model(object.union(env, {"append_env": {"value": true, "line": 9}}), "eks")
}

test_workers_without_pod_identity_pass if {
	count(bash_env_drops_identity.deny) == 0 with input as model(env, "mwaa")
}

test_helm_annotated_workers_count_as_pod_identity_workers if {
	helm := {"component": "workers", "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/w"}}
	m := object.union(model(env, "other"), {"airflow": {"worker_accounts": [helm]}})
	count(bash_env_drops_identity.deny) == 1 with input as m
}
