# METADATA
# title: A DAG plans and applies Terraform as the same identity
# description: |
#   One task of a DAG runs `terraform plan` and another applies it, both as the same identity. A plan needs read
#   access only (refresh, data sources, the state and its lock), so the plan task carries the apply's write access
#   for nothing: whatever the plan step runs (providers, external data sources, a pull request's configuration) can
#   change the infrastructure. Give the plan task a read-only identity and keep the apply identity to the apply.
# custom:
#   id: ATF-PRIVILEGE-012
#   severity: medium
#   category: privilege
#   remediation: Run the plan task as a read-only identity (another connection, queue or pod service account); `airtf-lint suggest` writes the plan and apply policies separately.
package airtf.rules.privilege.plan_apply_identity

import data.airtf.lib

deny contains result if {
	runners := object.get(input.privilege, "terraform_runners", [])
	some plan in runners
	plan.phase == "plan"
	is_string(plan.identity.key)
	some apply in runners
	apply.phase == "apply"
	apply.dag_id == plan.dag_id
	apply.task != plan.task
	apply.identity.key == plan.identity.key
	msg := sprintf("DAG %s plans in task \"%s\" and applies in task \"%s\" as the same identity %s: the plan needs read access only", [plan.dag_id, plan.task, apply.task, plan.identity.key])
	result := lib.finding(msg, plan)
}
