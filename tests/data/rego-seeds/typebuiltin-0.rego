package generated

p := [x, y, z] if {
	is_number(-42.0, x)
	is_number(0, y)
	is_number(100.1, z)
}
