# METADATA
# title: S3 state backends encrypt the state
# description: |
#   Our convention: every `backend "s3"` sets `encrypt = true`, so state (which holds secrets) is encrypted at
#   rest. A Terraform-side rule: it reads the backend of each root module.
# custom:
#   id: ACME-TF-001
#   severity: high
#   category: state
#   remediation: Add encrypt = true (and kms_key_id for a customer-managed key) to the backend "s3" block.
package acme.terraform.encrypted_state

import data.airtf.lib

deny contains result if {
	some root in input.terraform.roots
	root.backend.type == "s3"
	not root.backend.config.encrypt == true
	msg := sprintf("backend \"s3\" of %s does not set encrypt = true", [root.dir])
	result := lib.finding(msg, root.backend)
}
