# METADATA
# title: Plan file stores a sensitive value in plain text
# description: |
#   `terraform show -json` writes the values Terraform marks sensitive (a database password, a generated key, a
#   sensitive output) in plain text; only a mask beside them says they are sensitive. A plan file kept in the
#   repository therefore publishes them. Each stored value is reported at its attribute; its value is never
#   shown, not even masked.
# custom:
#   id: ATF-SECRET-004
#   severity: high
#   category: secret
#   remediation: Delete the plan file from the repository and its history and rotate the values it held. Produce plans in CI as build artifacts with restricted access, add *.tfplan and plan JSON names to .gitignore, and test policies on plans whose sensitive values are removed (airtf-lint reads only the masks).
package airtf.rules.secret.plan_sensitive_value

import data.airtf.lib

deny contains result if {
	some secret in input.secrets
	secret.category == "sensitive"
	msg := sprintf("plan file stores %s, a value Terraform marks sensitive, in plain text", [secret.name])
	result := lib.finding(msg, secret)
}
