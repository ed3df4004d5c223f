package test

a := "foo"
b := "bar"

p := $`{$"{a}"}
{$`{$`{b}`}
baz`}`
