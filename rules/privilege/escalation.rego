# METADATA
# title: Identity can escalate its own privileges
# description: |
#   The identity holds an action that grants more than it has (iam:CreatePolicyVersion, Attach*/Put*Policy,
#   UpdateAssumeRolePolicy, CreateAccessKey, lambda:UpdateFunctionCode...), a combination that runs code as another
#   role (iam:PassRole with ec2:RunInstances, lambda:CreateFunction + InvokeFunction, glue, ECS, CloudFormation...),
#   iam:PassRole on every role or without an iam:PassedToService condition, or on GCP a role holding setIamPolicy,
#   service-account key creation, token creation or actAs at project, folder or organization level. These are Rhino
#   Security Labs' escalation methods, as policy_sentry and Cloudsplaining encode them.
# custom:
#   id: ATF-PRIVILEGE-003
#   severity: high
#   category: privilege
#   remediation: Remove the escalation actions from identities that run tasks; scope iam:PassRole to the role ARNs the tasks pass, with an iam:PassedToService condition; grant GCP impersonation on the one service account needed, not the project.
package airtf.rules.privilege.escalation

import data.airtf.lib

candidate(s) if {
	s.effect == "Allow"
	not s.access.all_actions
	is_null(s.access.admin_policy)
}

deny contains result if {
	some s in input.terraform.statements
	candidate(s)
	s.access.escalation.count > 0
	msg := sprintf("%s can escalate its privileges with %v; %s", [s.principal, s.access.escalation.actions, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "critical", "high"))
}

deny contains result if {
	some s in input.terraform.statements
	candidate(s)
	s.access.pass_role
	s.access.resource_star
	msg := sprintf("%s may pass any role (iam:PassRole on \"*\") to a service; %s", [s.principal, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "critical", "high"))
}

deny contains result if {
	some s in input.terraform.statements
	candidate(s)
	s.access.pass_role
	not s.access.resource_star
	not s.access.pass_role_to_service_condition
	msg := sprintf("%s may pass roles %v to any service: add an iam:PassedToService condition", [s.principal, s.resources])
	result := lib.finding(msg, s)
}

deny contains result if {
	some principal, facts in input.privilege.principals
	count(facts.escalation_combinations) > 0
	first := min({c.statements[0] | some c in facts.escalation_combinations})
	at := input.terraform.statements[first]
	is_null(at.access.admin_policy)
	not at.access.all_actions
	names := [c.name | some c in facts.escalation_combinations]
	msg := sprintf("%s can run code as another role, in %d ways (%v); %s", [principal, count(names), names, lib.reach(principal)])
	result := lib.graded(msg, at, lib.reach_severity(principal, "critical", "high"))
}

deny contains result if {
	some b in input.terraform.gcp.bindings
	not b.role_facts.basic
	b.level in {"project", "folder", "organization"}
	held := [p | some p in b.role_facts.dangerous_permissions; p in escalation_permissions]
	count(held) > 0
	key := member_key(b)
	msg := sprintf("%s is granted %s on %s %s, which holds %v; %s", [object.get(b, "member_name", b.member), b.role, b.level, target_text(b.target), held, lib.reach(key)])
	result := lib.graded(msg, b, lib.reach_severity(key, "critical", "high"))
}

escalation_permissions := {
	"resourcemanager.projects.setIamPolicy", "resourcemanager.folders.setIamPolicy",
	"resourcemanager.organizations.setIamPolicy", "iam.serviceAccounts.setIamPolicy", "iam.roles.update",
	"iam.roles.create", "iam.serviceAccountKeys.create", "iam.serviceAccounts.getAccessToken",
	"iam.serviceAccounts.implicitDelegation", "iam.serviceAccounts.signBlob", "iam.serviceAccounts.signJwt",
	"iam.serviceAccounts.actAs", "orgpolicy.policy.set",
}

member_key(b) := object.get(b, "member_principal", null) if is_string(object.get(b, "member_principal", null))

member_key(b) := b.member if not is_string(object.get(b, "member_principal", null))

target_text(target) := target if is_string(target)

target_text(target) := "(unknown)" if not is_string(target)
