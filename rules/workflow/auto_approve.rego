# METADATA
# title: DAG applies Terraform with -auto-approve and no reviewed plan
# description: |
#   A task runs `terraform apply -auto-approve` without a saved plan file, so whatever the configuration and
#   state say at that moment is applied with nobody reviewing it: a change merged minutes ago, or drift, goes
#   straight to production on the next schedule.
# custom:
#   id: ATF-WORKFLOW-001
#   severity: high
#   category: workflow
#   remediation: Apply a saved, reviewed plan (terraform plan -out=tfplan, review or gate it, then terraform apply tfplan), or let a CI pipeline with approvals run the apply.
package airtf.rules.workflow.auto_approve

import data.airtf.lib

deny contains result if {
	some item in lib.terraform_runs
	item.run.subcommand == "apply"
	item.run.auto_approve
	item.run.plan_file == null
	msg := sprintf("task \"%s\" runs terraform apply -auto-approve without a saved, reviewed plan", [lib.task_name(item.task)])
	result := lib.finding(msg, item.run)
}
