package generated

p := x if {
	base64url.decode("aGVsbG8=", x)
}
