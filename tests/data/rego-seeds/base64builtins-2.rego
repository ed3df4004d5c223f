package generated

p := x if {
	base64.decode("aGVsbG8=", x)
}
