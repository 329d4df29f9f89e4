package airtf.rules.privilege.wildcard_write_test

import data.airtf.rules.privilege.wildcard_write

statement(wildcards, star, writes) := {"principal": "p", "effect": "Allow", "path": "iam.tf", "line": 3, "access": {
	"all_actions": false, "admin_policy": null, "conditioned": false, "service_wildcards": wildcards,
	"resource_star": star, "action_count": 10, "levels": {"Write": 4, "Permissions management": 1},
	"write": {"count": writes, "actions": ["s3:PutObject"]}, "permissions_management": {"count": 0, "actions": []},
}}

model(s) := {"terraform": {"statements": [s]}, "airflow": {}}

test_service_wildcard_is_flagged_with_what_it_expands_to if {
	results := wildcard_write.deny with input as model(statement(["s3:*"], false, 4))
	some r in results
	contains(r.msg, "10 actions")
}

test_write_on_every_resource_is_flagged if {
	count(wildcard_write.deny) == 1 with input as model(statement([], true, 2))
}

test_reads_on_every_resource_pass if {
	count(wildcard_write.deny) == 0 with input as model(statement([], true, 0))
}

test_named_resources_without_wildcards_pass if {
	count(wildcard_write.deny) == 0 with input as model(statement([], false, 2))
}
