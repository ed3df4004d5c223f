package generated

p := x if {
	is_number(null, x)
}
