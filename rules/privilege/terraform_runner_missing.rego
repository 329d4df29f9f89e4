# METADATA
# title: The identity that runs Terraform lacks what that Terraform needs
# description: |
#   A task runs Terraform as an identity whose grants (every one of them known) do not include an action the root
#   needs: a resource type's create/read/update/delete actions, the state backend's object and lock-table actions on
#   the state key, or sts:AssumeRole / iam.serviceAccounts.getAccessToken on the identity the provider becomes. The
#   run will fail with AccessDenied part-way, possibly with the state locked or half-applied.
# custom:
#   id: ATF-PRIVILEGE-011
#   severity: medium
#   category: privilege
#   remediation: Grant the named actions to the runner (`airtf-lint suggest` writes the runner's whole least-privilege policy), or run Terraform under an identity that has them.
package airtf.rules.privilege.terraform_runner_missing

import data.airtf.lib

deny contains result if {
	some runner in object.get(input.privilege, "terraform_runners", [])
	not runner.remote
	runner.grants_known
	actions := runner.missing_actions
	count(actions) > 0
	msg := sprintf("task \"%s\" runs terraform %s on %s as %s, which lacks %d needed actions: %s; the %s will fail with AccessDenied", [runner.task, join("/", runner.subcommands), target(runner), who(runner), count(actions), join(", ", array.slice(actions, 0, 12)), runner.phase])
	result := lib.finding(msg, runner)
}

target(runner) := sprintf("the plan %s", [runner.plan]) if is_string(runner.plan)

else := sprintf("root %s", [runner.root])

who(runner) := runner.identity.key if is_string(runner.identity.key)

else := "its identity"

# concat that always builds a new string: regopy 1.5.2 marshals concat of a one-item array as the quoted item.
join(sep, items) := trim_suffix(concat(sep, array.concat(items, [""])), sep)
