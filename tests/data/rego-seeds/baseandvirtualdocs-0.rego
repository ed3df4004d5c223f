package enum_errors.caller

p[x] := y if {
	data.enum_errors.a[x] = y
}
