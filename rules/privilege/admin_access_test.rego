package airtf.rules.privilege.admin_access_test

import data.airtf.rules.privilege.admin_access

access(all, star, conditioned, admin) := {"all_actions": all, "resource_star": star, "conditioned": conditioned, "admin_policy": admin}

statement(acc) := {"principal": "p", "policy": "aws-managed:AdministratorAccess", "effect": "Allow", "access": acc, "path": "iam.tf", "line": 4}

model(statements, tasks) := {
	"terraform": {"statements": statements, "gcp": {"bindings": []}},
	"airflow": {"tasks_by_principal": {"p": tasks}},
}

test_every_action_on_every_resource_is_critical_when_tasks_use_it if {
	results := admin_access.deny with input as model([statement(access(true, true, false, null))], ["d.t"])
	some r in results
	r.severity == "critical"
	contains(r.msg, "d.t")
}

test_the_same_grant_nobody_uses_is_high if {
	results := admin_access.deny with input as model([statement(access(true, true, false, null))], [])
	some r in results
	r.severity == "high"
}

test_a_condition_narrows_it if {
	count(admin_access.deny) == 0 with input as model([statement(access(true, true, true, null))], [])
}

test_an_admin_managed_policy_is_reported_once_by_name if {
	results := admin_access.deny with input as model([statement(access(true, true, false, "AdministratorAccess"))], [])
	count(results) == 1
	some r in results
	contains(r.msg, "AdministratorAccess")
}

test_basic_role_on_a_service_account_is_flagged if {
	binding := {"role": "roles/editor", "member": "serviceAccount:a@p.iam.gserviceaccount.com", "level": "project",
		"target": "p", "role_facts": {"basic": true}, "path": "iam.tf", "line": 9}
	results := admin_access.deny with input as {"terraform": {"statements": [], "gcp": {"bindings": [binding]}}, "airflow": {}}
	count(results) == 1
}
