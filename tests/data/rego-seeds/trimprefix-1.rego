package generated

p contains __local0__ if {
	trim_prefix("¡¡¡foo, bar!!!", "¡¡¡bar", __local1__)
	__local0__ = __local1__
}
