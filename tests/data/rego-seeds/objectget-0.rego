package generated

p := __local0__ if {
	object.get({"a": "b"}, "a", "c", __local1__)
	__local0__ = __local1__
}
