package test

a := [x | x := input.x[_]]

b := input.y

p[a[b]].r[s] := i if {
	s := a[i]
}
