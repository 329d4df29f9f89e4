# METADATA
# title: One identity serves many DAGs
# description: |
#   Tasks of more DAGs than the configured threshold (`thresholds.shared_identity_dags`, default 3) run as the
#   same identity, whether through a shared connection or the workers' ambient role. Its grants are then the
#   union of what all of them need, and a compromise of any of them reaches everything the others can.
# custom:
#   id: ATF-IDENTITY-004
#   severity: medium
#   category: identity
#   remediation: Give each DAG (or each team) its own connection assuming its own role or service account, scoped to what its tasks need; keep the workers' ambient identity minimal.
package airtf.rules.identity.shared_identity

import data.airtf.lib

deny contains result if {
	some principal in input.terraform.principals
	dags := object.get(input.airflow.dags_by_principal, principal.id, [])
	count(dags) > input.settings.shared_identity_dags
	msg := sprintf("identity \"%s\" serves %d DAGs (more than %d)", [principal.address, count(dags), input.settings.shared_identity_dags])
	result := lib.finding(msg, principal)
}
