package generated

p := x if {
	union(set(), x)
}
