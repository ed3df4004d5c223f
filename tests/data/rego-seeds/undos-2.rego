package generated

p contains x if {
	arr = [[1, [2]], [1, []], [2, [2]]]
	arr[_] = [x, [2]]
}
