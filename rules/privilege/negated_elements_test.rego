package airtf.rules.privilege.negated_elements_test

import data.airtf.rules.privilege.negated_elements

statement(effect, not_actions) := {"principal": "p", "effect": effect, "not_actions": not_actions, "path": "iam.tf",
	"line": 3, "access": {"admin_policy": null, "action_count": 100}}

model(statements, principals) := {"terraform": {"statements": statements, "principals": principals}, "airflow": {}}

test_allow_with_not_action_is_flagged if {
	results := negated_elements.deny with input as model([statement("Allow", ["iam:*"])], [])
	some r in results
	contains(r.msg, "NotAction")
}

test_deny_with_not_action_passes if {
	count(negated_elements.deny) == 0 with input as model([statement("Deny", ["iam:*"])], [])
}

test_trust_policy_with_not_principal_is_flagged if {
	trust := [{"effect": "Allow", "not_principals": [{"type": "AWS", "identifiers": ["x"]}], "line": 7}]
	count(negated_elements.deny) == 1 with input as model([], [{"id": "r", "trust": trust, "path": "iam.tf", "line": 1}])
}
