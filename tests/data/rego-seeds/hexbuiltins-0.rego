package generated

p := x if {
	hex.encode("lorem ipsum", x)
}
