package test.l1.l2

p := true

f(__local21__) := __local21__
