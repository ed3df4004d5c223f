package test.l1.l3

g(__local20__) := __local20__
