package test

p if {
	contains("fireplace", "repl")
}
