"""Secret detection: credentials written into DAGs, Terraform, plans, state and connection files.

`scan.py` runs one keyword-filtered pass over a file's text with the provider formats of `formats.py`, the
secret-ish names of `names.py` and the value tests of `values.py`; `terraform.py` adds what only the parsed HCL
knows (a secret-named variable's default). Facts keep a masked value and a fingerprint, never the secret.
"""
