package generated

p := x if {
	json.unmarshal("[{\"foo\":[1,2,3]}]", x)
}
