package generated

p := x if {
	semver.is_valid(1, __local0__)
	x = __local0__
}
