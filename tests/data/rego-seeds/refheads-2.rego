package test

obj.sub[x][x] contains x if some x in ["one", "two"]

obj[x][x] contains x if x := "whatever"

main contains x if {
  [1 | obj.sub[_].one[_]]
  x := obj.sub[_][_][_]
}
