package generated

p := x if {
	type_name(true, x)
}
