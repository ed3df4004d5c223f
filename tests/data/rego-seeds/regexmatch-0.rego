package generated

p if {
	regex.match("^[a-z]+\\[[0-9]+\\]$", "foo[1]")
}
