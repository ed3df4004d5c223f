package test

f(x) := object.union_n(x) if {x: i | x := ["a", "a"][i]} # never called, runtime error

g(x) := count(x)

p if {
	q with count as f
}

q if {
	r with object.union_n as g
}

r if {
	object.union_n([{}])
}
