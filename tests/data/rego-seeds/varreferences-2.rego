package generated

p[x] := y if {
	v = [{"a": 1, "b": 2}, {"c": 3, "z": [4]}]
	y = v[i][x][j]
}
