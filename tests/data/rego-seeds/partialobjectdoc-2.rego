package generated

p[k] := v if {
	data.a[i] = v
	data.g[k][i] = v
}
