# METADATA
# title: Terraform creates a long-lived key
# description: |
#   An `aws_iam_access_key` or `google_service_account_key` creates a credential that never expires. Its secret
#   lands in Terraform state (readable by everyone who can read the state) and, usually, in an Airflow
#   connection or a CI secret, shared by everyone who can read either. Reported for every key ("no shared keys");
#   high when Airflow tasks run as the key's user or service account, medium otherwise.
# custom:
#   id: ATF-IDENTITY-006
#   severity: high
#   category: identity
#   remediation: Remove the key resource; have the tasks assume a role (MWAA execution role, IRSA, EKS Pod Identity, role_arn in the connection) or impersonate the service account (impersonation_chain, Workload Identity).
package airtf.rules.identity.terraform_keys

import data.airtf.lib

deny contains result if {
	some key in input.terraform.aws.access_keys
	owner := owner_name(key.user, key.address)
	msg := sprintf("%s creates a long-lived access key for %s, whose secret sits in Terraform state; %s", [key.address, owner, users(key.user)])
	result := lib.graded(msg, key, severity(key.user))
}

deny contains result if {
	some key in input.terraform.gcp.keys
	owner := owner_name(key.service_account, key.address)
	msg := sprintf("%s creates a long-lived key for %s, whose private key sits in Terraform state; %s", [key.address, owner, users(key.service_account)])
	result := lib.graded(msg, key, severity(key.service_account))
}

tasks(principal) := object.get(input.airflow.tasks_by_principal, principal, []) if is_string(principal)

else := []

users(principal) := sprintf("%d Airflow tasks run as it (e.g. \"%s\")", [count(tasks(principal)), tasks(principal)[0]]) if {
	count(tasks(principal)) > 0
} else := "no Airflow task in this repository runs as it"

severity(principal) := "high" if count(tasks(principal)) > 0

else := "medium"

owner_name(principal, address) := principal if is_string(principal)

else := "an identity defined outside this repository"
