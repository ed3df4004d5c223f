package x

p := __local0__ if { # p should be defined (an empty object)
	true
	__local0__ = data.a.b
}
