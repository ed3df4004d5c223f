package generated

p contains x if {
	__local0__ = data.h[i][j]
	x = data.a[__local0__]
}
