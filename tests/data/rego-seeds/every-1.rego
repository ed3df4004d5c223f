package test

p if {
	every x in set() { x != x }
}
