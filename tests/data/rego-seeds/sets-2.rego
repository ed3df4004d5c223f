package generated

p if {
	__local0__ = {1, 2, 3} - {2, 3}
	{1} = __local0__
}
