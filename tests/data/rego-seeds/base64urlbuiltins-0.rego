package generated

p := x if {
	base64url.encode("hello", x)
}
