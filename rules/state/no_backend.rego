# METADATA
# title: Root module has no backend, so its state is local
# description: |
#   A root module (one that configures Terraform or a provider and is not called as a module from elsewhere in
#   the repository) has no `backend` or `cloud` block, and no Terragrunt configuration at or above it writes one
#   (`remote_state`, `generate "backend"`). Terraform then keeps state in a local terraform.tfstate file: every
#   run, an Airflow task retry included, works on its own copy, nothing locks it, and it holds every attribute
#   (secrets included) in plain text on whichever worker ran the apply. Only roots that are applied for real are
#   judged: a module's own folder (no provider block), its `examples/` and its test fixtures are judged only when
#   an Airflow task applies them, or when the configuration sets `thresholds: {example_roots: always}`.
# custom:
#   id: ATF-STATE-001
#   severity: high
#   category: state
#   remediation: Add a remote backend with locking to the terraform block (for example backend "s3" with use_lockfile = true, backend "gcs" or backend "azurerm"), or a remote_state block to the Terragrunt configuration.
package airtf.rules.state.no_backend

import data.airtf.lib

deny contains result if {
	some root in input.terraform.roots
	root.backend == null
	judged(root)
	msg := sprintf("root module \"%s\" has no backend or cloud block: its Terraform state is kept locally and unlocked%s", [root.dir, why(root)])
	result := lib.finding(msg, root)
}

purpose(root) := object.get(root, "purpose", "deployment")

judged(root) if purpose(root) == "deployment"

judged(root) if {
	purpose(root) != "deployment"
	object.get(object.get(input, "settings", {}), "example_roots", "applied") == "always"
}

judged(root) if {
	purpose(root) != "deployment"
	applied(root)
}

# An Airflow task runs terraform in it.
applied(root) if {
	some item in lib.terraform_runs
	item.run.root == root.dir
}

why(root) := "" if purpose(root) == "deployment"

else := sprintf(" (%s folder, applied by an Airflow task)", [article(purpose(root))]) if applied(root)

else := sprintf(" (%s folder)", [article(purpose(root))])

article(word) := sprintf("an %s", [word]) if startswith(word, "e")

else := sprintf("a %s", [word])
