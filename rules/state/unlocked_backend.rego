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

# How each backend that can lock is told to: the settings any one of which turns locking on.
lock_settings := {
	"s3": {"use_lockfile", "dynamodb_table"},
	"http": {"lock_address"},
	"oss": {"tablestore_table"},
}

lock_hint := {
	"s3": "use_lockfile = true or dynamodb_table",
	"http": "lock_address",
	"oss": "tablestore_table",
}

# Backends that lock unless a setting turns it off.
lock_switch := {"consul": "lock"}

deny contains result if {
	some root in input.terraform.roots
	settings := lock_settings[root.backend.type]
	not locks(root, settings)
	msg := sprintf("backend \"%s\" of root module \"%s\" takes no state lock (set %s)", [root.backend.type, root.dir, lock_hint[root.backend.type]])
	result := lib.finding(msg, root.backend)
}

deny contains result if {
	some root in input.terraform.roots
	switch := lock_switch[root.backend.type]
	some config in configs(root)
	config[switch] == false
	msg := sprintf("backend \"%s\" of root module \"%s\" has locking turned off (%s = false)", [root.backend.type, root.dir, switch])
	result := lib.finding(msg, root.backend)
}

configs(root) := array.concat([root.backend.config], [f.config | some f in root.backend_config_files])

locks(root, settings) if {
	some config in configs(root)
	some setting in settings
	enabled(config[setting])
}

enabled(value) if value == true

enabled(value) if {
	is_string(value)
	value != ""
}

# A value Terraform could not resolve statically is given the benefit of the doubt.
enabled(value) if value.__unknown__ == true
