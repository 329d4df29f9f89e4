# METADATA
# title: Role trust lets anyone, or any federated identity, assume it
# description: |
#   A role's trust policy allows `*` as principal with no condition, or lets a federated OIDC provider's tokens
#   assume it (sts:AssumeRoleWithWebIdentity: GitHub Actions, an EKS cluster, Terraform Cloud) without a condition
#   on the token's subject (`<provider>:sub`). Then any repository, any service account of the cluster or any
#   workspace with a token from that provider can assume the role. A condition airtf-lint cannot evaluate is
#   given the benefit of the doubt; SAML trust is not judged here.
# custom:
#   id: ATF-IDENTITY-003
#   severity: high
#   category: identity
#   remediation: Add a condition on the token subject (for EKS StringEquals on <oidc>:sub = system:serviceaccount:NAMESPACE:NAME; for GitHub on token.actions.githubusercontent.com:sub = repo:ORG/REPO:ref:refs/heads/main) and on the audience; never trust "*" without a condition.
package airtf.rules.identity.federated_trust

import data.airtf.lib

deny contains result if {
	some role in input.terraform.principals
	some statement in role.trust
	statement.effect == "Allow"
	some principal in statement.principals
	principal.type == "Federated"
	web_identity(statement)
	not subject_condition(statement)
	msg := sprintf("role \"%s\" can be assumed with any token of its OIDC provider: no condition on the token subject%s", [role.address, users(role.id)])
	result := lib.finding(msg, statement)
}

deny contains result if {
	some role in input.terraform.principals
	some statement in role.trust
	statement.effect == "Allow"
	some principal in statement.principals
	anyone(principal)
	count(statement.conditions) == 0
	msg := sprintf("role \"%s\" can be assumed by any principal (\"*\") with no condition%s", [role.address, users(role.id)])
	result := lib.finding(msg, statement)
}

anyone(principal) if principal.type == "*"

anyone(principal) if {
	principal.type == "AWS"
	"*" in principal.identifiers
}

subject_condition(statement) if {
	some condition in statement.conditions
	is_string(condition.variable)
	endswith(condition.variable, ":sub")
}

# A condition Terraform could not resolve (a variable built from the provider ARN, a dynamic block over an
# unknown list) is given the benefit of the doubt.
subject_condition(statement) if {
	some condition in statement.conditions
	condition.variable.__unknown__ == true
}

web_identity(statement) if {
	some action in statement.actions
	action in {"sts:AssumeRoleWithWebIdentity", "sts:*", "*"}
}

users(principal_id) := "" if count(tasks_of(principal_id)) == 0

users(principal_id) := sprintf(" (used by %d Airflow tasks)", [count(tasks_of(principal_id))]) if count(tasks_of(principal_id)) > 0

tasks_of(principal_id) := object.get(input.airflow.tasks_by_principal, principal_id, [])
