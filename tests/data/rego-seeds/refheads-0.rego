package test

p[q].r contains s if {
	x := ["a", "b", "c"]
	q := x[_]
	s := x[_]
	q != s
}

p.b.r contains "foo"
