package airtf.rules.state.no_backend_test

import data.airtf.rules.state.no_backend

root(backend) := {"dir": "infra", "backend": backend, "backend_config_files": [], "path": "infra/main.tf", "line": 1}

test_root_without_backend_is_flagged if {
	results := no_backend.deny with input as {"terraform": {"roots": [root(null)]}}
	count(results) == 1
	some r in results
	r.path == "infra/main.tf"
	r.line == 1
	contains(r.msg, "\"infra\"")
}

test_root_with_backend_is_not_flagged if {
	count(no_backend.deny) == 0 with input as {"terraform": {"roots": [root({"type": "gcs", "config": {}})]}}
}

test_no_roots_no_findings if {
	count(no_backend.deny) == 0 with input as {"terraform": {"roots": []}}
}

example(purpose) := {"dir": "examples/basic", "backend": null, "purpose": purpose, "path": "examples/basic/main.tf", "line": 1}

test_an_example_folder_nobody_applies_is_not_judged if {
	count(no_backend.deny) == 0 with input as {"terraform": {"roots": [example("example"), example("test"), example("module")]}, "airflow": {"tasks": []}}
}

test_an_example_folder_an_airflow_task_applies_is_judged if {
	task := {"dag_id": "d", "task_id": "t", "terraform_runs": [{"root": "examples/basic"}]}
	results := no_backend.deny with input as {"terraform": {"roots": [example("example")]}, "airflow": {"tasks": [task]}}
	count(results) == 1
	some r in results
	contains(r.msg, "an example folder, applied by an Airflow task")
}

test_example_roots_always_judges_every_folder if {
	results := no_backend.deny with input as {"terraform": {"roots": [example("test")]}, "airflow": {"tasks": []}, "settings": {"example_roots": "always"}}
	count(results) == 1
}
