package generated

p if {
	__local0__ = data.numbers[2]
	format_int(3.1, 10, __local0__)
}
