package generated

p := x if {
	s1 = {1, 2, 3}
	s2 = {2}
	intersection({s1, s2}, x)
}
