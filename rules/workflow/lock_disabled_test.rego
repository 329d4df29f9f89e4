package airtf.rules.workflow.lock_disabled_test

import data.airtf.rules.workflow.lock_disabled

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

test_lock_false_is_flagged if {
	count(lock_disabled.deny) == 1 with input as model(run({"lock_disabled": true}), {})
}
