package enum_errors.a.b.c

p := x if {
	__local0__ = 1 / 0
	x = __local0__
}
