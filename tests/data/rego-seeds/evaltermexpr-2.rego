package generated

p if {
	-3.14
}
