package airtf.rules.privilege.terraform_runner_missing_test

import data.airtf.rules.privilege.terraform_runner_missing

runner(known) := {
	"task": "deploy.apply", "subcommands": ["apply"], "phase": "apply", "root": "infra/lambda", "plan": "infra/lambda/tfplan.json",
	"identity": {"cloud": "aws", "key": "r:aws_iam_role.deployer"}, "remote": false, "grants_known": known,
	"missing": [{"action": "iam:PassRole", "resource": "*", "why": "aws_lambda_function.f (create)"}],
	"missing_actions": ["iam:PassRole"],
	"path": "dags/deploy.py", "line": 12,
}

test_a_missing_action_is_named_at_the_run if {
	some r in terraform_runner_missing.deny with input as {"privilege": {"terraform_runners": [runner(true)]}}
	r.line == 12
	contains(r.msg, "iam:PassRole")
	contains(r.msg, "infra/lambda/tfplan.json")
}

test_unknown_grants_say_nothing if {
	count(terraform_runner_missing.deny) == 0 with input as {"privilege": {"terraform_runners": [runner(false)]}}
}
