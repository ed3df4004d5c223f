package generated

p := ns if {
	time.parse_rfc3339_ns("1677-09-21T00:12:43.145224191-00:00", ns)
}
