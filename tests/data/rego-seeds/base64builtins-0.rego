package generated

p := x if {
	base64.encode("hello", x)
}
