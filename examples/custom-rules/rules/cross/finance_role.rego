# METADATA
# title: Only finance DAGs run as the finance role
# description: |
#   Our convention: the finance role (any principal whose id mentions "finance") reads ledgers, so only DAGs
#   whose id starts with "finance_" may run tasks as it. A cross-reference rule: it joins each task to the
#   identity airtf-lint resolved for it (task -> connection -> role), then checks the DAG against the role.
#   The role is the Terraform principal when the repository defines it, else the ARN the connection names.
# custom:
#   id: ACME-X-001
#   severity: high
#   category: identity
#   remediation: Run the task under its own team's role, or move it into a finance_ DAG reviewed by the finance team.
package acme.cross.finance_role

import data.airtf.lib

deny contains result if {
	some task in input.airflow.tasks
	not startswith(task.dag_id, "finance_")
	some identity in task.identities
	name := identity_name(identity)
	contains(lower(name), "finance")
	msg := sprintf("task %s runs as the finance role %s but its DAG is not a finance DAG", [lib.task_name(task), name])
	result := lib.finding(msg, task)
}

# The principal airtf-lint found in Terraform, or else the ARN / e-mail the connection names.
identity_name(identity) := identity.principal if {
	is_string(identity.principal)
} else := identity.reference if {
	is_string(identity.reference)
}
