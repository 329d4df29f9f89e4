# METADATA
# title: Literal secret assigned to a secret-named field
# description: |
#   A string literal given a name that holds a secret (password, secret, token, api_key, private_key,
#   credential, Authorization...): a Python assignment, keyword argument or dict key (BashOperator `env=`,
#   `Connection(password=...)`, HTTP `headers`), an HCL attribute or `jsonencode` body, a tfvars value, a
#   secret-named variable's default (`sensitive = true` hides it from Terraform's output, not from the
#   repository), a connection file's `password` or `extra` field, a config excerpt in a DAG's triple-quoted
#   string, a service's name alone holding a random value (`cloudflare: "..."`), an `.npmrc` line's
#   `_authToken`, an Azure SAS URL's `sig=`. Values resolved at run time are not
#   reported: Jinja templates (`{{ conn.x.password }}`, `{{ var.value.x }}`), `Variable.get`, `os.environ`,
#   `BaseHook.get_connection`, Terraform references (`var.`, `data.`, `random_password.x.result`),
#   `${...}`, placeholders (`changeme`, `<...>`, `xxx`, `example`) and values that read as words or field names.
# custom:
#   id: ATF-SECRET-002
#   severity: high
#   category: secret
#   remediation: >-
#     Rotate the secret, then read it at run time - in a DAG from a Connection or Variable (a Jinja template such as {{ conn.my_db.password }} or Variable.get inside the task), in Terraform from a variable with `sensitive = true` and no default, set by the pipeline, or from a secret-manager data source. Keep .env and connection files out of the repository. If the value is not a secret, add `# pragma: allowlist secret` or `# airtf-lint: ignore[ATF-SECRET-002] why` on its line.
package airtf.rules.secret.hardcoded_secret

import data.airtf.lib

deny contains result if {
	some secret in input.secrets
	secret.category == "assignment"
	msg := sprintf("literal secret assigned to \"%s\" (\"%s\") in %s: load it at run time instead", [secret.name, secret.redacted, lib.file_kind_name(secret.file_kind)])
	result := lib.finding(msg, secret)
}

deny contains result if {
	some secret in input.secrets
	secret.category == "variable_default"
	msg := sprintf("variable \"%s\" has a literal secret as its default (\"%s\"): remove the default and set it from outside the repository", [secret.name, secret.redacted])
	result := lib.finding(msg, secret)
}
