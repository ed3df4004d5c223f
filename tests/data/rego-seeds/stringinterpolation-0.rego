package test

# no multi-value sets and maps, as order can't be guaranteed
p := $"{[]}, {[42, 13.37, true, "foo", null]}, {set()}, {{42}}, {{}}, {{"a": "b"}}"
