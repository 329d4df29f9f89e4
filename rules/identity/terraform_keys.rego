# METADATA
# title: Terraform creates a long-lived key for an identity Airflow uses
# description: |
#   An `aws_iam_access_key` or `google_service_account_key` belongs to a user or service account that Airflow
#   tasks run as. The key's secret lands in Terraform state and, usually, in an Airflow connection: a credential
#   that never expires, shared by everyone who can read either.
# custom:
#   id: ATF-IDENTITY-006
#   severity: high
#   category: identity
#   remediation: Remove the key resource; have the tasks assume a role (MWAA execution role, IRSA, EKS Pod Identity, role_arn in the connection) or impersonate the service account (impersonation_chain, Workload Identity).
package airtf.rules.identity.terraform_keys

import data.airtf.lib

deny contains result if {
	some key in input.terraform.aws.access_keys
	tasks := object.get(input.airflow.tasks_by_principal, key.user, [])
	count(tasks) > 0
	msg := sprintf("%s creates a long-lived access key for %s, which %d Airflow tasks run as (e.g. \"%s\")", [key.address, key.user, count(tasks), tasks[0]])
	result := lib.finding(msg, key)
}

deny contains result if {
	some key in input.terraform.gcp.keys
	tasks := object.get(input.airflow.tasks_by_principal, key.service_account, [])
	count(tasks) > 0
	msg := sprintf("%s creates a long-lived key for %s, which %d Airflow tasks run as (e.g. \"%s\")", [key.address, key.service_account, count(tasks), tasks[0]])
	result := lib.finding(msg, key)
}
