package test

f(x) := object.union_n(x) # b1

g(x) := 123 if {
	count(x) # b2
	s with array.reverse as h
}

h(_) := ["replaced"]

p if q with object.union_n as f

q if r with count as g

r if {
	x := [{"foo": 4}, {"baz": 5}]
	count(x) == 123
	object.union_n(x) == {"foo": 4, "baz": 5}
}

s if {
	x := [{}]
	array.reverse(x) == ["replaced"]
}
