package generated

p if {
	1 > 0
	data.a[i] = x
	x > 2
}
