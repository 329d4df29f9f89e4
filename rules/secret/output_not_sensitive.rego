# METADATA
# title: Output exposes a secret without sensitive = true
# description: |
#   An `output` whose value refers to a secret - an attribute the provider marks sensitive
#   (`aws_iam_access_key.k.secret`, `random_password.p.result`, `tls_private_key.k.private_key_pem`, a
#   secret-manager value), a variable declared `sensitive`, or a variable named like a secret (`db_password`)
#   that nobody marked - and is not itself marked `sensitive = true`. Its value is then printed by
#   `terraform apply` and `terraform output`, kept in plain text among the state's outputs and handed to every
#   `terraform_remote_state` reader. Terraform 0.15+ rejects some of these at plan time; this finds them
#   before, and finds the secret-named variables Terraform does not know are secret.
# custom:
#   id: ATF-SECRET-005
#   severity: medium
#   category: secret
#   remediation: Mark the output `sensitive = true` (and the variable it comes from), or stop exporting the secret - let the consumer read it from the secret manager instead of from Terraform outputs.
package airtf.rules.secret.output_not_sensitive

import data.airtf.lib

deny contains result if {
	some output in object.get(input.terraform, "secret_outputs", [])
	msg := sprintf("output \"%s\" exposes %v without sensitive = true: its value is printed and stored in plain text", [output.name, output.exposes])
	result := lib.finding(msg, output)
}
