package airtf.rules.privilege.unused_grants_test

import data.airtf.rules.privilege.unused_grants

model(needs_known, share) := {
	"terraform": {"statements": [{"principal": "p", "path": "iam.tf", "line": 3}]},
	"privilege": {"identities": [{"principal": "p", "tasks": ["d.t"], "needs_known": needs_known,
		"unused": [{"statement": 0, "granted": 10, "unused": 9, "share": share, "percent": round(share * 100), "actions": ["s3:DeleteObject"]}]}]},
}

test_unused_actions_are_flagged_at_the_statement if {
	results := unused_grants.deny with input as model(true, 0.9)
	some r in results
	r.line == 3
	r.severity == "medium"
	contains(r.msg, "90%")
}

test_a_small_unused_share_is_low if {
	results := unused_grants.deny with input as model(true, 0.5)
	some r in results
	r.severity == "low"
}

test_unknown_needs_say_nothing if {
	count(unused_grants.deny) == 0 with input as model(false, 0.9)
}

test_an_unneeded_gcp_role_binding_is_reported_at_the_binding if {
	bindings := [{"role": "roles/bigquery.dataEditor", "level": "project", "path": "gcp.tf", "line": 13}]
	identity := {"principal": "sa", "tasks": ["d.t"], "needs_known": true, "unused": [{"binding": 0, "role": "roles/bigquery.dataEditor", "level": "project", "target": "p"}]}
	results := unused_grants.deny with input as {"terraform": {"gcp": {"bindings": bindings}}, "privilege": {"gcp_identities": [identity]}}
	some r in results
	r.line == 13
	r.severity == "medium"
	contains(r.msg, "roles/bigquery.dataEditor")
}

test_gcp_unused_is_not_stated_when_needs_are_unknown if {
	identity := {"principal": "sa", "tasks": ["d.t"], "needs_known": false, "unused": [{"binding": 0, "role": "r", "level": "bucket", "target": "b"}]}
	count(unused_grants.deny) == 0 with input as {"terraform": {"gcp": {"bindings": [{"path": "a", "line": 1}]}}, "privilege": {"gcp_identities": [identity]}}
}
