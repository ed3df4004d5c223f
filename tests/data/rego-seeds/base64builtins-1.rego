package generated

p := x if {
	base64.encode("there", x)
}
