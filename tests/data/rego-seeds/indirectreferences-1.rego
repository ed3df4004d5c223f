package generated

p if {
	split("foo.bar", ".", __local0__)
	__local0__[0] = "foo"
}
