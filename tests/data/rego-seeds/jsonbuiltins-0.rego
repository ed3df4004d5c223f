package generated

p := x if {
	json.marshal([{"foo": {1, 2, 3}}], x)
}
