package generated

p := null
