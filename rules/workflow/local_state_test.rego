package airtf.rules.workflow.local_state_test

import data.airtf.rules.workflow.local_state

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

test_state_flag_is_flagged if {
	count(local_state.deny) == 1 with input as model(run({"state_path": "/tmp/s.tfstate"}), {})
}

test_working_dir_of_a_root_without_backend_is_flagged if {
	count(local_state.deny) == 1 with input as model(run({"root": "infra/prod"}), {})
}

test_unmatched_working_dir_passes if {
	count(local_state.deny) == 0 with input as model(run({}), {})
}
