package generated

p := x if {
	intersection(set(), x)
}
