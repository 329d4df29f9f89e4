# METADATA
# title: Identity with administrator access
# description: |
#   An AWS statement allows every action on every resource with no condition (`"*"` on `"*"`, or
#   AdministratorAccess, PowerUserAccess or IAMFullAccess attached), or a GCP basic role (roles/owner,
#   roles/editor) is bound to a service account. Whoever runs as that identity can do anything, including grant
#   themselves more. Critical when Airflow tasks run as it, high otherwise.
# custom:
#   id: ATF-PRIVILEGE-001
#   severity: high
#   category: privilege
#   remediation: Replace the grant with a policy of the actions the identity's tasks need on their resources (`airtf-lint suggest` writes one), or a narrower predefined GCP role.
package airtf.rules.privilege.admin_access

import data.airtf.lib

deny contains result if {
	some s in input.terraform.statements
	s.effect == "Allow"
	s.access.all_actions
	s.access.resource_star
	not s.access.conditioned
	is_null(s.access.admin_policy)
	msg := sprintf("%s is allowed every action on every resource; %s", [s.principal, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "critical", "high"))
}

deny contains result if {
	some s in input.terraform.statements
	is_string(s.access.admin_policy)
	s.effect == "Allow"
	startswith(s.policy, "aws-managed:")
	s == first_statement_of(s.principal, s.policy)
	msg := sprintf("%s has the AWS-managed %s policy; %s", [s.principal, s.access.admin_policy, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "critical", "high"))
}

deny contains result if {
	some b in input.terraform.gcp.bindings
	b.role_facts.basic
	service_account_member(b)
	principal := object.get(b, "member_principal", null)
	tasks_key := principal_key(principal, b.member)
	member := object.get(b, "member_name", b.member)
	msg := concat("", [sprintf("%s is granted %s on %s %s; %s", [member, b.role, b.level, target_text(b.target), lib.reach(tasks_key)]), through(tasks_key)])
	severity := gcp_severity(tasks_key)
	result := lib.graded(msg, b, severity)
}

# Tasks that carry the account's privileges by impersonating it (input.privilege.reachable_by).
impersonating(key) := object.get(object.get(input.privilege, "reachable_by", {}), key, [])

# Built with concat only: regopy 1.5.2's sprintf writes a string that concat (or upper, replace...) returned with
# its quotes ("as \"a then b\""), unescaped, so the json.marshal'd result is not JSON and the whole rule is lost.
# Strings from input, numbers and sprintf's own results are safe inside sprintf, and concat is safe around anything.
through(key) := concat("", [
	"; reachable through impersonation by ",
	sprintf("%d Airflow tasks (e.g. \"%s\" as ", [count(impersonating(key)), impersonating(key)[0].task]),
	concat(" then ", impersonating(key)[0].via),
	")",
]) if {
	count(impersonating(key)) > 0
} else := ""

gcp_severity(key) := "critical" if {
	count(lib.tasks_of(key)) > 0
} else := "critical" if {
	count(impersonating(key)) > 0
} else := "high"

target_text(target) := target if is_string(target)

target_text(target) := "(unknown)" if not is_string(target)

# A managed policy has several statements: report it once, at its first.
first_statement_of(principal, policy) := first if {
	held := [s |
		some s in input.terraform.statements
		s.principal == principal
		s.policy == policy
	]
	first := held[0]
}

principal_key(principal, member) := principal if is_string(principal)

principal_key(principal, member) := member if not is_string(principal)

# The member is a service account, even when its e-mail is not known ("serviceAccount:${google_service_account.x.email}").
service_account_member(b) if object.get(b, "member_type", null) == "serviceAccount"

service_account_member(b) if {
	is_string(b.member)
	startswith(b.member, "serviceAccount:")
}
