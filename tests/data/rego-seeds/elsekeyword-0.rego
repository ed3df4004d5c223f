package ex

no_op if {
	true
} else := false
