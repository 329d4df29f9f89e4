# METADATA
# title: Allow with NotAction, NotResource or NotPrincipal
# description: |
#   An Allow statement says what it does not grant instead of what it grants: `NotAction` allows every other
#   action (including ones AWS adds later), `NotResource` every other resource, and `NotPrincipal` in a trust
#   policy lets every other principal in. IAM Access Analyzer and Parliament flag these for the same reason: the
#   grant is far wider than it reads.
# custom:
#   id: ATF-PRIVILEGE-005
#   severity: medium
#   category: privilege
#   remediation: Rewrite the statement with Action, Resource and Principal lists of what is meant to be allowed.
package airtf.rules.privilege.negated_elements

import data.airtf.lib

deny contains result if {
	some s in input.terraform.statements
	s.effect == "Allow"
	is_null(s.access.admin_policy)
	some element in negated(s)
	msg := sprintf("%s: an Allow statement with %s grants %d actions; %s", [s.principal, element, s.access.action_count, lib.reach(s.principal)])
	result := lib.graded(msg, s, lib.reach_severity(s.principal, "high", "medium"))
}

deny contains result if {
	some p in input.terraform.principals
	some t in object.get(p, "trust", [])
	t.effect == "Allow"
	count(object.get(t, "not_principals", [])) > 0
	msg := sprintf("the trust policy of %s allows every principal except %v to assume it (NotPrincipal)", [p.id, t.not_principals])
	result := lib.finding(msg, object.union(p, object.filter(t, {"path", "line"})))
}

negated(s) := {name |
	some key in object.keys(negated_keys)
	count(object.get(s, key, [])) > 0
	name := negated_keys[key]
}

negated_keys := {"not_actions": "NotAction", "not_resources": "NotResource"}
