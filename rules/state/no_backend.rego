# METADATA
# title: Root module has no backend, so its state is local
# description: |
#   A root module (one that configures Terraform or a provider and is not called as a module from elsewhere in
#   the repository) has no `backend` or `cloud` block. Terraform then keeps state in a local
#   terraform.tfstate file: every run, an Airflow task retry included, works on its own copy, nothing locks it,
#   and it holds every attribute (secrets included) in plain text on whichever worker ran the apply.
# custom:
#   id: ATF-STATE-001
#   severity: high
#   category: state
#   remediation: Add a remote backend with locking to the terraform block (for example backend "s3" with use_lockfile = true, backend "gcs" or backend "azurerm").
package airtf.rules.state.no_backend

import data.airtf.lib

deny contains result if {
	some root in input.terraform.roots
	root.backend == null
	msg := sprintf("root module \"%s\" has no backend or cloud block: its Terraform state is kept locally and unlocked", [root.dir])
	result := lib.finding(msg, root)
}
