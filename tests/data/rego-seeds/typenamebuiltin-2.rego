package generated

p := x if {
	type_name(100, x)
}
