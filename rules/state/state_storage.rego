# METADATA
# title: The backend's bucket or lock table, defined here, does not keep state safely
# description: |
#   The S3 or GCS bucket a root module's backend writes state to (or the DynamoDB lock table its S3 backend locks
#   with) is defined in the repository, and: the bucket keeps no versions (`aws_s3_bucket_versioning` with status
#   Enabled, or `versioning { enabled = true }` on a `google_storage_bucket`), so a bad write, an Airflow retry
#   racing a manual apply, or a deletion loses the state's history for good; its public access block turns a
#   protection off (or GCS grants allUsers / allAuthenticatedUsers); neither the bucket nor the backend
#   (`encrypt = true`) asks for encryption; or the lock table's hash key is not the string `LockID` that
#   Terraform's S3 backend writes, so every lock attempt fails. Buckets and tables defined elsewhere are not judged.
# custom:
#   id: ATF-STATE-005
#   severity: medium
#   category: state
#   remediation: Enable versioning on the state bucket (aws_s3_bucket_versioning status = "Enabled"; versioning { enabled = true } for GCS), block public access, set encrypt = true (or a server-side encryption configuration), and give the lock table hash_key = "LockID" with attribute { name = "LockID", type = "S" }.
package airtf.rules.state.state_storage

import data.airtf.lib

deny contains result if {
	some root in input.terraform.roots
	bucket := root.backend.storage.bucket
	bucket.versioning == false
	msg := sprintf("the state bucket \"%s\" of root module \"%s\" (%s) keeps no versions: a bad write or a deletion loses the state's history", [bucket.name, root.dir, bucket.address])
	result := lib.finding(msg, bucket)
}

deny contains result if {
	some root in input.terraform.roots
	bucket := root.backend.storage.bucket
	bucket.public_access_blocked == false
	msg := sprintf("the state bucket \"%s\" of root module \"%s\" (%s) does not block public access", [bucket.name, root.dir, bucket.address])
	result := lib.graded(msg, bucket, "high")
}

deny contains result if {
	some root in input.terraform.roots
	root.backend.type == "s3"
	bucket := root.backend.storage.bucket
	bucket.encryption_configured == false
	bucket.backend_encrypt == false
	msg := sprintf("neither the state bucket \"%s\" (%s) nor the backend of root module \"%s\" asks for encryption (encrypt = true)", [bucket.name, bucket.address, root.dir])
	result := lib.graded(msg, bucket, "low")
}

deny contains result if {
	some root in input.terraform.roots
	table := root.backend.storage.lock_table
	table.key_schema_ok == false
	msg := sprintf("the lock table \"%s\" (%s) of root module \"%s\" has hash key \"%s\", not the string \"LockID\" Terraform's S3 backend locks with: every lock attempt fails", [table.name, table.address, root.dir, table.hash_key])
	result := lib.finding(msg, table)
}
