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
