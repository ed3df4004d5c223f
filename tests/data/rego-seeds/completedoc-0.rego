package generated

p := null if {
	false
}
