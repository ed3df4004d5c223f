package foo

p contains x if {
	data.a[x] # iterates data.a
	q[_]
}

q contains x if {
	x = data.a # inserts data.a into a set, sorts the object keys
}
