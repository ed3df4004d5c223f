package test1

p(a) := y if {
	y = a[_]
}

r := y if {
	data.test1.p([1, 2, 3], y)
}
