package generated

p contains __local0__ if {
	crypto.sha256("lorem ipsum", __local1__)
	__local0__ = __local1__
}
