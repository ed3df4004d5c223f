package generated

p[t] := ns if {
	t = input.cases[_]
	time.parse_rfc3339_ns(t, ns)
}
