# METADATA
# title: DAG passes credentials to Terraform as literals
# description: |
#   A task that runs Terraform sets a credential in its code: a credential environment variable
#   (AWS_SECRET_ACCESS_KEY, GOOGLE_CREDENTIALS, ARM_CLIENT_SECRET, TFE_TOKEN, TF_VAR_*_password...) to a literal
#   value in `env=` / `env_vars=` / `environment=` or in the shell command (`export NAME=...`, `NAME=... terraform`),
#   or a secret-looking `-var name=value` or `-backend-config name=value` on the command line. The secret is then
#   in the repository, in the rendered task log and in the process list. airtf-lint reports the names, never the
#   values.
# custom:
#   id: ATF-WORKFLOW-006
#   severity: high
#   category: workflow
#   remediation: Remove the secret from the DAG; give the run an identity instead (role assumption, workload identity), or read the value at run time from a secrets backend (a Jinja {{ conn... }} / {{ var... }} reference or a mounted secret).
package airtf.rules.workflow.literal_credentials

import data.airtf.lib

deny contains result if {
	some item in lib.terraform_runs
	some name in item.run.literal_credential_env
	msg := sprintf("task \"%s\" passes %s to terraform %s as a literal in the task's environment argument", [lib.task_name(item.task), name, item.run.subcommand])
	result := lib.finding(msg, item.run)
}

deny contains result if {
	some item in lib.terraform_runs
	some name in item.run.literal_secret_vars
	msg := sprintf("task \"%s\" passes -var %s to terraform %s as a literal", [lib.task_name(item.task), name, item.run.subcommand])
	result := lib.finding(msg, item.run)
}

deny contains result if {
	some item in lib.terraform_runs
	some name in object.get(item.run, "literal_secret_backend_config", [])
	msg := sprintf("task \"%s\" passes -backend-config %s to terraform %s as a literal", [lib.task_name(item.task), name, item.run.subcommand])
	result := lib.finding(msg, item.run)
}

deny contains result if {
	some item in lib.terraform_runs
	some name in object.get(item.run, "literal_credential_shell", [])
	msg := sprintf("task \"%s\" sets %s to a literal in the shell command that runs terraform %s", [lib.task_name(item.task), name, item.run.subcommand])
	result := lib.finding(msg, item.run)
}
