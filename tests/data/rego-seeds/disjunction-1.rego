package generated

p contains 100

p contains x if {
	data.a[x]
}
