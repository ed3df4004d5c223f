package test

p := __local0__ if {
	true
	__local0__ = data.fixture.r[[1, 2]]
}
