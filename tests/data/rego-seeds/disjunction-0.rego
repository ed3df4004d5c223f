package generated

p contains x if {
	data.a[i] = x
}

p contains y if {
	data.b[j] = y
}
