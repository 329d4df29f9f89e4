# METADATA
# title: State is kept by the local backend
# description: |
#   `backend "local"` writes state to a file on the machine that runs Terraform. When an Airflow task runs the
#   apply, that is a worker's disk: the next run (or a retry on another worker) starts from no state, and
#   nothing stops a manual apply from racing it.
# custom:
#   id: ATF-STATE-002
#   severity: high
#   category: state
#   remediation: Replace backend "local" with a remote backend that locks and versions state (s3 with use_lockfile = true and a versioned bucket, gcs, azurerm, or HCP Terraform).
package airtf.rules.state.local_backend

import data.airtf.lib

deny contains result if {
	some root in input.terraform.roots
	root.backend.type == "local"
	msg := sprintf("root module \"%s\" uses backend \"local\": state lives on whichever machine runs Terraform", [root.dir])
	result := lib.finding(msg, root.backend)
}
