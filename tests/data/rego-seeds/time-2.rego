package generated

p := ns if {
	time.parse_rfc3339_ns("2262-04-11T23:47:16.854775808-00:00", ns)
}
