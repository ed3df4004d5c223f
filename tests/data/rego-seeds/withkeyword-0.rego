package rules

p if {
	time.now_ns(now)
}

q if p with data.x as 7
