package generated

p contains __local0__ if {
	trim_prefix("¡¡¡foo, bar!!!", "¡¡¡foo", __local1__)
	__local0__ = __local1__
}
