package acme.terraform.encrypted_state_test

import data.acme.terraform.encrypted_state

root(config) := {"dir": "infra", "backend": {"type": "s3", "config": config, "path": "infra/backend.tf", "line": 2}}

test_an_unencrypted_s3_backend_is_flagged if {
	results := encrypted_state.deny with input as {"terraform": {"roots": [root({"bucket": "state"})]}}
	count(results) == 1
}

test_an_encrypted_s3_backend_passes if {
	count(encrypted_state.deny) == 0 with input as {"terraform": {"roots": [root({"bucket": "state", "encrypt": true})]}}
}

test_other_backends_are_not_this_rules_business if {
	count(encrypted_state.deny) == 0 with input as {"terraform": {"roots": [{"dir": "x", "backend": {"type": "gcs", "config": {}}}]}}
}
