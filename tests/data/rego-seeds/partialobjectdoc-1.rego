package generated

p[k] := v if {
	data.d[k] = v
}
