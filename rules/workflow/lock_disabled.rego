# METADATA
# title: DAG runs Terraform with state locking turned off
# description: |
#   A task passes `-lock=false`, so its run does not take the state lock: an Airflow retry, a second DAG run or a
#   manual apply can write state at the same time and corrupt it.
# custom:
#   id: ATF-WORKFLOW-002
#   severity: high
#   category: workflow
#   remediation: Remove -lock=false; if runs wait on a stale lock, fix the cause (use -lock-timeout) rather than disabling locking.
package airtf.rules.workflow.lock_disabled

import data.airtf.lib

deny contains result if {
	some item in lib.terraform_runs
	item.run.lock_disabled
	msg := sprintf("task \"%s\" runs terraform %s with -lock=false", [lib.task_name(item.task), item.run.subcommand])
	result := lib.finding(msg, item.run)
}
