package airtf.rules.state.unlocked_backend_test

import data.airtf.rules.state.unlocked_backend

model(type, config, files) := {"terraform": {"roots": [{
	"dir": "infra",
	"backend": {"type": type, "config": config, "path": "infra/main.tf", "line": 2},
	"backend_config_files": files,
}]}}

test_s3_without_lock_is_flagged if {
	results := unlocked_backend.deny with input as model("s3", {"bucket": "b", "key": "k"}, [])
	count(results) == 1
	some r in results
	r.line == 2
	contains(r.msg, "use_lockfile")
}

test_s3_with_use_lockfile_passes if {
	count(unlocked_backend.deny) == 0 with input as model("s3", {"bucket": "b", "use_lockfile": true}, [])
}

test_s3_with_use_lockfile_false_is_flagged if {
	count(unlocked_backend.deny) == 1 with input as model("s3", {"bucket": "b", "use_lockfile": false}, [])
}

test_s3_with_dynamodb_table_passes if {
	count(unlocked_backend.deny) == 0 with input as model("s3", {"dynamodb_table": "locks"}, [])
}

test_s3_lock_from_backend_config_file_passes if {
	files := [{"path": "infra/prod.s3.tfbackend", "config": {"use_lockfile": true}}]
	count(unlocked_backend.deny) == 0 with input as model("s3", {}, files)
}

test_natively_locking_backends_pass if {
	every type in ["gcs", "azurerm", "remote", "cloud", "pg", "kubernetes", "cos"] {
		count(unlocked_backend.deny) == 0 with input as model(type, {}, [])
	}
}

test_consul_with_lock_false_is_flagged if {
	count(unlocked_backend.deny) == 1 with input as model("consul", {"lock": false}, [])
}

test_consul_default_passes if {
	count(unlocked_backend.deny) == 0 with input as model("consul", {"path": "tf"}, [])
}

test_http_without_lock_address_is_flagged if {
	count(unlocked_backend.deny) == 1 with input as model("http", {"address": "https://x"}, [])
}

test_unknown_lock_setting_is_given_the_benefit_of_the_doubt if {
	count(unlocked_backend.deny) == 0 with input as model("s3", {"dynamodb_table": {"__unknown__": true, "expr": "var.t"}}, [])
}
