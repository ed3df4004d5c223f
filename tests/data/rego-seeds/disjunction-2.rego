package generated

p[k] := v if {
	data.b[v] = k
}

p[k] := v if {
	data.a[i] = v
	data.g[k][j] = v
}
