package generated

p if {
	false
}
