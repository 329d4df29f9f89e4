"""Privilege analysis: what each identity can do (AWS action database, GCP role data), what its tasks need
(operator needs), and the facts the privilege rules read."""
