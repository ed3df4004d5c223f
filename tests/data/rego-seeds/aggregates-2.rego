package generated

p contains x if {
	__local0__ = data.b
	count(__local0__, x)
}
