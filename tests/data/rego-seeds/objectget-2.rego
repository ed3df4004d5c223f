package generated

p := __local0__ if {
	object.get({1: 2}, 1, 3, __local1__)
	__local0__ = __local1__
}
