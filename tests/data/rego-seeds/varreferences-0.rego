package generated

p contains x if {
	v = [[1, 2], [2, 3], [3, 4]]
	x = v[2][1]
}
