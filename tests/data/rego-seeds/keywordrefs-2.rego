package test

p if {
  else.foo == 3
  foo.else == 6
}

else.foo := 1 if {
  input.x == 1
} else := 2 if {
  input.x == 2
} else := 3

foo.else := 4 if {
  input.x == 1
} else := 5 if {
  input.x == 2
} else := 6
