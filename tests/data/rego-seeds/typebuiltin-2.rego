package generated

p := x if {
	is_number(false, x)
}
