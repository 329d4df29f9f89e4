package airtf.rules.privilege.escalation_test

import data.airtf.rules.privilege.escalation

access(escalation, pass_role, star, to_service) := {"all_actions": false, "admin_policy": null,
	"escalation": {"count": count(escalation), "actions": escalation}, "pass_role": pass_role,
	"resource_star": star, "pass_role_to_service_condition": to_service}

model(acc, principals) := {
	"terraform": {"statements": [{"principal": "p", "effect": "Allow", "resources": ["*"], "path": "iam.tf", "line": 5, "access": acc}], "gcp": {"bindings": []}},
	"privilege": {"principals": principals},
	"airflow": {},
}

test_single_escalation_action_is_flagged if {
	results := escalation.deny with input as model(access(["iam:PutRolePolicy"], false, false, false), {})
	some r in results
	contains(r.msg, "iam:PutRolePolicy")
}

test_pass_role_on_every_role_is_flagged if {
	results := escalation.deny with input as model(access([], true, true, false), {})
	some r in results
	contains(r.msg, "any role")
}

test_scoped_pass_role_with_a_service_condition_passes if {
	count(escalation.deny) == 0 with input as model(access([], true, false, true), {})
}

test_combinations_are_one_finding_per_principal if {
	combos := [{"name": "A", "actions": ["iam:PassRole", "ec2:RunInstances"], "statements": [0]},
		{"name": "B", "actions": ["iam:PassRole", "glue:CreateDevEndpoint"], "statements": [0]}]
	results := escalation.deny with input as model(access([], false, false, false), {"p": {"escalation_combinations": combos}})
	count(results) == 1
	some r in results
	contains(r.msg, "2 ways")
}

test_project_level_token_creator_is_flagged if {
	binding := {"role": "roles/iam.serviceAccountTokenCreator", "member": "serviceAccount:a@p.iam.gserviceaccount.com",
		"level": "project", "target": "p", "path": "iam.tf", "line": 9,
		"role_facts": {"basic": false, "dangerous_permissions": ["iam.serviceAccounts.getAccessToken"]}}
	results := escalation.deny with input as {"terraform": {"statements": [], "gcp": {"bindings": [binding]}}, "privilege": {"principals": {}}, "airflow": {}}
	count(results) == 1
}

test_token_creator_on_one_service_account_passes if {
	binding := {"role": "roles/iam.serviceAccountTokenCreator", "member": "serviceAccount:a@p.iam.gserviceaccount.com",
		"level": "service_account", "target": "x", "path": "iam.tf", "line": 9,
		"role_facts": {"basic": false, "dangerous_permissions": ["iam.serviceAccounts.getAccessToken"]}}
	count(escalation.deny) == 0 with input as {"terraform": {"statements": [], "gcp": {"bindings": [binding]}}, "privilege": {"principals": {}}, "airflow": {}}
}
