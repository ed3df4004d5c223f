package test

a := $"\{42}"
b := $"foo \{42} bar"
c := $"foo \{42} bar \{43} baz"
d := $"\{{42}"
