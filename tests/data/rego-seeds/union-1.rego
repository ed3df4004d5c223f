package generated

p := x if {
	union({set(), {1, 2}}, x)
}
