# METADATA
# title: Terraform state file committed to the repository
# description: |
#   A `*.tfstate` or `*.tfstate.backup` file is in the repository. State holds every attribute of every
#   resource in plain text (passwords, keys and tokens included) and goes stale the moment anyone applies.
#   airtf-lint reads it only to locate the secrets it holds (reported masked by the secret rules) and never
#   prints its contents.
# custom:
#   id: ATF-STATE-004
#   severity: critical
#   category: state
#   remediation: Delete the file from the repository and its history, rotate every secret it held, add *.tfstate and *.tfstate.* to .gitignore, and keep state in a remote backend.
package airtf.rules.state.committed_state

import data.airtf.lib

deny contains result if {
	some state in input.terraform.state_files
	kind := {"state": "state file", "backup": "state backup file"}[state.kind]
	msg := sprintf("Terraform %s \"%s\" is committed: state holds secrets in plain text", [kind, state.path])
	result := lib.finding(msg, state)
}
