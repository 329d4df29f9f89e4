package airtf.rules.privilege.missing_grants_test

import data.airtf.rules.privilege.missing_grants

model(grants_known) := {"privilege": {"identities": [{"principal": "p", "grants_known": grants_known, "missing": [
	{"task": "d.t", "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k", "path": "dags/d.py", "line": 7},
]}]}}

test_missing_action_is_flagged_at_the_task if {
	results := missing_grants.deny with input as model(true)
	some r in results
	r.path == "dags/d.py"
	r.line == 7
	contains(r.msg, "s3:PutObject")
}

test_unknown_grants_say_nothing if {
	count(missing_grants.deny) == 0 with input as model(false)
}

test_a_gcp_need_no_binding_satisfies_is_reported_at_the_task if {
	missing := {"task": "d.prune", "role": "roles/storage.objectUser", "permissions": ["storage.objects.delete"], "resource": "projects/_/buckets/b", "path": "dags/d.py", "line": 6}
	results := missing_grants.deny with input as {"privilege": {"gcp_identities": [{"principal": "sa", "grants_known": true, "missing": [missing]}]}}
	some r in results
	r.path == "dags/d.py"
	contains(r.msg, "roles/storage.objectUser")
}
