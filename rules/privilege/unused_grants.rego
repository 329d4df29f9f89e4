# METADATA
# title: Granted actions that no task using the identity needs
# description: |
#   A statement grants an identity that Airflow tasks run as actions that none of those tasks calls: their
#   operators' needs (airtf_lint/data/operator_needs.yaml, derived from the provider sources) and, for an MWAA
#   execution role, what MWAA itself needs. Stated only when every task using the identity has known needs (no
#   hook in task code, no operator outside the catalogue). The static counterpart of IAM Access Analyzer's unused
#   access and GCP's role recommender. For a GCP identity the unit is the role binding: a role none of whose
#   contained roles (data/gcp_roles.yaml) any task needs on the binding's scope.
# custom:
#   id: ATF-PRIVILEGE-006
#   severity: low
#   category: privilege
#   remediation: Remove the unused actions, or replace the statement with the policy `airtf-lint suggest` writes from the tasks' needs.
package airtf.rules.privilege.unused_grants

import data.airtf.lib

deny contains result if {
	some identity in object.get(input.privilege, "identities", [])
	identity.needs_known
	some unused in identity.unused
	s := input.terraform.statements[unused.statement]
	msg := sprintf("%d of the %d actions this statement grants %s are needed by none of its %d tasks %v (%d%s, e.g. %v)", [unused.unused, unused.granted, identity.principal, count(identity.tasks), array.slice(identity.tasks, 0, 3), unused.percent, "%", unused.actions])
	result := lib.graded(msg, s, severity(unused.share))
}

severity(fraction) := "medium" if fraction >= 0.9
else := "low"

deny contains result if {
	some identity in object.get(input.privilege, "gcp_identities", [])
	identity.needs_known
	some unused in identity.unused
	b := input.terraform.gcp.bindings[unused.binding]
	msg := sprintf("%s is bound to %s on %s %v, which none of its %d tasks %v needs", [unused.role, identity.principal, unused.level, unused.target, count(identity.tasks), array.slice(identity.tasks, 0, 3)])
	result := lib.graded(msg, b, scope_severity(unused.level))
}

scope_severity(level) := "medium" if level in {"organization", "folder", "project"}
else := "low"
