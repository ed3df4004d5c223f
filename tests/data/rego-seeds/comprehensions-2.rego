package generated

p contains i if {
	__local0__ = [x | x = data.a[_]]
	xs = [__local0__]
	__local1__ = xs[0][i]
	__local1__ > 1
}
