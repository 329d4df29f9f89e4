package airtf.rules.workflow.literal_credentials_test

import data.airtf.rules.workflow.literal_credentials

model(env, vars) := {"airflow": {"tasks": [{"dag_id": "tf", "task_id": "apply", "terraform_runs": [{
	"subcommand": "apply", "literal_credential_env": env, "literal_secret_vars": vars, "path": "dags/tf.py", "line": 7,
}]}]}}

test_literal_credential_env_is_flagged_by_name if {
	results := literal_credentials.deny with input as model(["AWS_SECRET_ACCESS_KEY"], [])
	some r in results
	contains(r.msg, "AWS_SECRET_ACCESS_KEY")
	r.line == 7
}

test_literal_secret_var_is_flagged if {
	count(literal_credentials.deny) == 1 with input as model([], ["db_password"])
}

test_no_literals_pass if {
	count(literal_credentials.deny) == 0 with input as model([], [])
}

test_literal_secret_backend_config_is_flagged if {
	run := {"subcommand": "init", "literal_credential_env": [], "literal_secret_vars": [], "path": "dags/tf.py",
		"line": 3, "literal_secret_backend_config": ["secret_key"]}
	results := literal_credentials.deny with input as {"airflow": {"tasks": [{"dag_id": "tf", "task_id": "init", "terraform_runs": [run]}]}}
	some r in results
	contains(r.msg, "-backend-config secret_key")
}

test_literal_credential_in_the_shell_command_is_flagged if {
	run := {"subcommand": "apply", "literal_credential_env": [], "literal_secret_vars": [], "path": "dags/tf.py",
		"line": 3, "literal_credential_shell": ["AWS_SECRET_ACCESS_KEY"]}
	results := literal_credentials.deny with input as {"airflow": {"tasks": [{"dag_id": "tf", "task_id": "init", "terraform_runs": [run]}]}}
	some r in results
	contains(r.msg, "AWS_SECRET_ACCESS_KEY")
}
