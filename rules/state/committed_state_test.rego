package airtf.rules.state.committed_state_test

import data.airtf.rules.state.committed_state

test_state_file_is_flagged if {
	results := committed_state.deny with input as {"terraform": {"state_files": [{"path": "a/terraform.tfstate", "kind": "state", "line": 1}]}}
	count(results) == 1
	some r in results
	r.path == "a/terraform.tfstate"
	contains(r.msg, "state file")
}

test_backup_file_is_named_as_backup if {
	results := committed_state.deny with input as {"terraform": {"state_files": [{"path": "terraform.tfstate.backup", "kind": "backup", "line": 1}]}}
	some r in results
	contains(r.msg, "backup")
}

test_no_state_files_no_findings if {
	count(committed_state.deny) == 0 with input as {"terraform": {"state_files": []}}
}
