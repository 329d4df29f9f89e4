# METADATA
# title: Terraform apply is retried automatically
# description: |
#   A task that applies (or destroys) Terraform has retries, so a failed apply runs again on its own, possibly on
#   another worker, after a partial change, while the lock may still be held and before anyone looked at why it
#   failed.
# custom:
#   id: ATF-WORKFLOW-005
#   severity: medium
#   category: workflow
#   remediation: Set retries=0 on tasks that apply or destroy, and make a failure page a human; retry plan and validate steps instead.
package airtf.rules.workflow.retried_apply

import data.airtf.lib

deny contains result if {
	some item in lib.terraform_runs
	item.run.subcommand in {"apply", "destroy"}
	retries := task_retries(item.task)
	retries > 0
	msg := sprintf("task \"%s\" runs terraform %s with retries=%d", [lib.task_name(item.task), item.run.subcommand, retries])
	result := lib.finding(msg, item.run)
}

task_retries(task) := task.arguments.retries.value if is_number(task.arguments.retries.value)

task_retries(task) := task.default_args.retries.value if {
	not task.arguments.retries
	is_number(task.default_args.retries.value)
}
