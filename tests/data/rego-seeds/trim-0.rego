package generated

p contains __local0__ if {
	trim("¡¡¡foo, bar!!!", "!¡", __local1__)
	__local0__ = __local1__
}
