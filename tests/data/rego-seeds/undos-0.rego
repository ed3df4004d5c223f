package generated

p contains x if {
	arr = [[1, [2]], [1, null], [2, [2]]]
	[x, [2]] = arr[_]
}
