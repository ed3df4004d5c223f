package generated

p := x if {
	format_int(15.5, 16, x)
}
