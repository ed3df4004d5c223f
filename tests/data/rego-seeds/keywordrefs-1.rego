package test

p if {
  true.foo(1) == 1
  true.foo(11) == 42
  foo.true(1) == 1
  foo.true(11) == 42
  bar.true.baz(1) == 1
  bar.true.baz(11) == 42
}

default true.foo(_) := 42

true.foo(x) := x if {
  x < 10
}

default foo.true(_) := 42

foo.true(x) := x if {
  x < 10
}

default bar.true.baz(_) := 42

bar.true.baz(x) := x if {
  x < 10
}
