package airtf.rules.state.unlocked_backend_test

import data.airtf.rules.state.unlocked_backend

model(type, locks, how) := {"terraform": {"roots": [{
	"dir": "infra",
	"backend": {"type": type, "config": {}, "locking": {"locks": locks, "how": how}, "path": "infra/main.tf", "line": 2},
	"backend_config_files": [],
}]}}

test_backend_that_does_not_lock_is_flagged_at_the_backend_block if {
	results := unlocked_backend.deny with input as model("s3", false, "set use_lockfile = true or dynamodb_table")
	count(results) == 1
	some r in results
	r.line == 2
	contains(r.msg, "use_lockfile")
}

test_backend_that_locks_passes if {
	count(unlocked_backend.deny) == 0 with input as model("s3", true, "use_lockfile")
}

test_unknown_backend_is_not_flagged if {
	count(unlocked_backend.deny) == 0 with input as model("artifactory", null, "unknown backend")
}

test_root_without_backend_is_left_to_no_backend if {
	count(unlocked_backend.deny) == 0 with input as {"terraform": {"roots": [{"dir": "infra", "backend": null}]}}
}
