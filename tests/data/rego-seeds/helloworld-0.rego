package test

p := 7 if {
	data.foo == q
}

q := input.baz
