package airtf.rules.state.local_backend_test

import data.airtf.rules.state.local_backend

backend(type) := {"type": type, "config": {}, "path": "infra/backend.tf", "line": 3}

test_local_backend_is_flagged_at_the_backend_block if {
	results := local_backend.deny with input as {"terraform": {"roots": [{"dir": "infra", "backend": backend("local")}]}}
	some r in results
	r.path == "infra/backend.tf"
	r.line == 3
}

test_remote_backend_is_not_flagged if {
	count(local_backend.deny) == 0 with input as {"terraform": {"roots": [{"dir": "infra", "backend": backend("gcs")}]}}
}

test_missing_backend_is_left_to_no_backend if {
	count(local_backend.deny) == 0 with input as {"terraform": {"roots": [{"dir": "infra", "backend": null}]}}
}
