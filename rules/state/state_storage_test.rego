package airtf.rules.state.state_storage_test

import data.airtf.rules.state.state_storage

bucket(overrides) := object.union({
	"address": "aws_s3_bucket.state", "name": "acme-tf-state", "versioning": true, "public_access_block": true,
	"public_access_blocked": true, "encryption_configured": true, "backend_encrypt": true,
	"path": "state.tf", "line": 1,
}, overrides)

model(storage) := {"terraform": {"roots": [{"dir": ".", "backend": {"type": "s3", "config": {}, "storage": storage}}]}}

test_an_unversioned_state_bucket_is_flagged_at_the_bucket if {
	results := state_storage.deny with input as model({"bucket": bucket({"versioning": false}), "lock_table": null})
	count(results) == 1
	some r in results
	r.path == "state.tf"
	contains(r.msg, "keeps no versions")
}

test_unknown_versioning_is_not_flagged if {
	count(state_storage.deny) == 0 with input as model({"bucket": bucket({"versioning": null}), "lock_table": null})
}

test_a_public_access_block_turned_off_is_high if {
	results := state_storage.deny with input as model({"bucket": bucket({"public_access_blocked": false}), "lock_table": null})
	some r in results
	r.severity == "high"
}

test_no_encryption_anywhere_is_low if {
	results := state_storage.deny with input as model({"bucket": bucket({"encryption_configured": false, "backend_encrypt": false}), "lock_table": null})
	some r in results
	r.severity == "low"
}

test_a_lock_table_without_lockid_is_flagged if {
	table := {"address": "aws_dynamodb_table.locks", "name": "locks", "hash_key": "id", "key_schema_ok": false, "path": "state.tf", "line": 20}
	results := state_storage.deny with input as model({"bucket": null, "lock_table": table})
	count(results) == 1
}

test_a_well_kept_bucket_and_table_pass if {
	table := {"address": "aws_dynamodb_table.locks", "name": "locks", "hash_key": "LockID", "key_schema_ok": true, "path": "state.tf", "line": 20}
	count(state_storage.deny) == 0 with input as model({"bucket": bucket({}), "lock_table": table})
}

test_storage_defined_elsewhere_is_not_judged if {
	count(state_storage.deny) == 0 with input as model(null)
}
