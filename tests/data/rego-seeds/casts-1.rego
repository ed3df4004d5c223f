package generated

p if {
	__local0__ = data.a[2]
	to_number("3", __local0__)
}
