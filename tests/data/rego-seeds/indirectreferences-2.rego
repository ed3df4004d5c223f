package generated

p contains x if {
	split("foo.bar:qux", ".", __local0__)
	__local2__ = __local0__[_]
	split(__local2__, ":", __local1__)
	__local1__[i] = x
}
