package generated

p := x if {
	hex.decode("fghijkl", x)
}
