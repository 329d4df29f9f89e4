# METADATA
# title: A task needs an action its identity is not granted
# description: |
#   A task's operator calls an action (per airtf_lint/data/operator_needs.yaml) on a resource its arguments name,
#   and no Allow statement of the identity the task runs as grants that action on that resource. The task will
#   fail at run time with AccessDenied. Stated only when every grant the identity holds is known (no AWS-managed
#   policy whose contents airtf-lint does not know, no unknown statement). For a GCP identity: no unconditioned
#   binding of a role that contains the role the need names, on a scope that holds the resource (a role whose
#   contents airtf-lint does not know makes it say nothing).
# custom:
#   id: ATF-PRIVILEGE-007
#   severity: medium
#   category: privilege
#   remediation: Grant the action on the named resource to the task's identity (`airtf-lint suggest` writes the statement), or run the task under an identity that has it.
package airtf.rules.privilege.missing_grants

import data.airtf.lib

deny contains result if {
	some identity in object.get(input.privilege, "identities", [])
	identity.grants_known
	some missing in identity.missing
	msg := sprintf("task \"%s\" needs %s on %s, which %s is not granted: it will fail with AccessDenied", [missing.task, missing.action, missing.resource, identity.principal])
	result := lib.finding(msg, missing)
}

deny contains result if {
	some identity in object.get(input.privilege, "gcp_identities", [])
	identity.grants_known
	some missing in identity.missing
	msg := sprintf("task \"%s\" needs %s (%v) on %s, which %s is not bound to: it will fail with PERMISSION_DENIED", [missing.task, missing.role, missing.permissions, missing.resource, identity.principal])
	result := lib.finding(msg, missing)
}
