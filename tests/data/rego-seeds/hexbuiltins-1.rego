package generated

p := x if {
	hex.decode("6c6f72656d20697073756d", x)
}
