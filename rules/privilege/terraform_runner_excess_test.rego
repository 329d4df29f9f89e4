package airtf.rules.privilege.terraform_runner_excess_test

import data.airtf.rules.privilege.terraform_runner_excess

runner(admin, known) := {
	"task": "deploy.apply", "subcommands": ["apply"], "phase": "apply", "root": "infra/platform", "plan": null,
	"identity": {"cloud": "aws", "key": "r:aws_iam_role.workers"}, "remote": false, "admin": admin,
	"excess_known": known, "excess": {"count": 3, "actions": ["ec2:RunInstances", "iam:CreateUser", "s3:DeleteBucket"], "services": ["ec2", "iam", "s3"], "roles": []},
	"needed": ["s3:CreateBucket"], "unknown_types": [], "path": "dags/deploy.py", "line": 9,
}

test_an_admin_runner_is_critical_and_named_with_its_root if {
	some r in terraform_runner_excess.deny with input as {"privilege": {"terraform_runners": [runner(true, true)]}}
	r.severity == "critical"
	contains(r.msg, "deploy.apply")
	contains(r.msg, "infra/platform")
	contains(r.msg, "administrator")
}

test_excess_actions_are_named if {
	some r in terraform_runner_excess.deny with input as {"privilege": {"terraform_runners": [runner(false, true)]}}
	r.severity == "high"
	contains(r.msg, "iam:CreateUser")
}

test_unknown_needs_say_nothing_for_a_scoped_runner if {
	count(terraform_runner_excess.deny) == 0 with input as {"privilege": {"terraform_runners": [runner(false, false)]}}
}

test_a_remote_run_is_not_judged if {
	count(terraform_runner_excess.deny) == 0 with input as {"privilege": {"terraform_runners": [object.union(runner(true, true), {"remote": true})]}}
}
