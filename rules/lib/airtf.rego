# Helpers shared by the built-in rules and available to custom rules as data.airtf.lib.
package airtf.lib

# finding builds a deny result: the message plus the location fields of `at`,
# which can be any model object that carries path/line (a resource, a root, a backend...).
finding(message, at) := object.union(
	{"msg": message},
	object.filter(at, {"path", "line", "column", "end_line", "end_column"}),
)
