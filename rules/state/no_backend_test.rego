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
