package generated

p if {
	not true = true
}
