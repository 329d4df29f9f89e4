# METADATA
# title: Remote backend does not lock state
# description: |
#   The backend stores state remotely but takes no lock, so two runs can write it at once: an Airflow retry or
#   a second DAG run racing a manual apply corrupts state or loses resources. gcs, azurerm, remote/cloud, pg,
#   kubernetes and cos lock natively; s3 locks only with `use_lockfile = true` (Terraform 1.10+) or a
#   `dynamodb_table`; consul unless `lock = false`; http only with a `lock_address`; oss only with a
#   `tablestore_table`. Settings given in `-backend-config` files (*.tfbackend) beside the root count too.
# custom:
#   id: ATF-STATE-003
#   severity: medium
#   category: state
#   remediation: Turn locking on, e.g. use_lockfile = true for s3 (or dynamodb_table on Terraform < 1.10), lock_address for http, tablestore_table for oss; do not set lock = false.
package airtf.rules.state.unlocked_backend

import data.airtf.lib

# The locking status is a fact the Terraform analysis establishes (airtf_lint/terraform/backends.py).
deny contains result if {
	some root in input.terraform.roots
	root.backend.locking.locks == false
	msg := sprintf("backend \"%s\" of root module \"%s\" takes no state lock (%s)", [root.backend.type, root.dir, root.backend.locking.how])
	result := lib.finding(msg, root.backend)
}
