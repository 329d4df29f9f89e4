package airtf.rules.privilege.plan_apply_identity_test

import data.airtf.rules.privilege.plan_apply_identity

runner(task, phase, key) := {"task": task, "dag_id": "deploy", "phase": phase, "identity": {"key": key}, "path": "dags/deploy.py", "line": 5}

test_plan_and_apply_as_one_identity_is_flagged_at_the_plan if {
	some r in plan_apply_identity.deny with input as {"privilege": {"terraform_runners": [runner("deploy.plan", "plan", "role"), runner("deploy.apply", "apply", "role")]}}
	contains(r.msg, "deploy.plan")
	contains(r.msg, "deploy.apply")
}

test_separate_identities_pass if {
	count(plan_apply_identity.deny) == 0 with input as {"privilege": {"terraform_runners": [runner("deploy.plan", "plan", "reader"), runner("deploy.apply", "apply", "writer")]}}
}

test_unresolved_identities_are_not_compared if {
	count(plan_apply_identity.deny) == 0 with input as {"privilege": {"terraform_runners": [runner("deploy.plan", "plan", null), runner("deploy.apply", "apply", null)]}}
}
