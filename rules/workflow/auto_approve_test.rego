package airtf.rules.workflow.auto_approve_test

import data.airtf.rules.workflow.auto_approve

run(overrides) := object.union({
	"subcommand": "apply", "auto_approve": false, "lock_disabled": false, "state_path": null,
	"plan_file": null, "destroy": false, "directory": "/opt/infra/prod", "root": null,
	"path": "dags/tf.py", "line": 9,
}, overrides)

model(r, arguments) := {
	"airflow": {
		"tasks": [{"dag_id": "tf", "task_id": "apply", "arguments": arguments, "default_args": {}, "terraform_runs": [r]}],
		"dags": [{"dag_id": "tf", "schedule": {"value": "@daily"}}],
	},
	"terraform": {"roots": [{"dir": "infra/prod", "backend": null}]},
}

test_auto_approve_without_plan_is_flagged if {
	results := auto_approve.deny with input as model(run({"auto_approve": true}), {})
	some r in results
	r.line == 9
}

test_auto_approve_of_a_saved_plan_passes if {
	count(auto_approve.deny) == 0 with input as model(run({"auto_approve": true, "plan_file": "tfplan"}), {})
}
