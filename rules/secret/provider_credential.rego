# METADATA
# title: Credential in a provider's format written into a file
# description: |
#   A value with the exact shape of a provider credential: an AWS access key id (AKIA/ASIA) or secret access
#   key (40 characters beside its key id or a secret-ish name), a PEM private key (a GCP service-account key
#   file's private_key included), a Google API key or OAuth secret, an Azure AD client secret, a GitHub,
#   GitLab, Slack, Stripe, Databricks, Terraform Cloud, Vault, SendGrid, PyPI or npm token, a JSON Web Token.
#   Anyone who can read the repository (or its history, its forks, its CI logs) can use it. Shapes leave
#   little doubt, so this is reported wherever it appears: DAG code, Terraform, tfvars, connection files,
#   plans and state. Only a masked form (first four characters and the length) is ever shown.
# custom:
#   id: ATF-SECRET-001
#   severity: high
#   category: secret
#   remediation: Revoke or rotate the credential now (it is in the repository's history), then load it at run time from a secrets backend (an Airflow Connection or Variable backed by Secrets Manager / Secret Manager / Vault, a Terraform data source or a variable marked sensitive and set outside the repository). Prefer an identity with no static key at all (a role the worker assumes, Workload Identity).
package airtf.rules.secret.provider_credential

import data.airtf.lib

deny contains result if {
	some secret in input.secrets
	secret.category == "format"
	msg := sprintf("%s \"%s\" written in %s: rotate it and load it from a secrets backend", [secret.title, secret.redacted, lib.file_kind_name(secret.file_kind)])
	result := lib.graded(msg, secret, severity(secret.detector))
}

# A key id alone cannot sign a request; the secret that pairs with it usually sits nearby.
severity(detector) := "medium" if detector == "aws_access_key_id"

else := "high"
