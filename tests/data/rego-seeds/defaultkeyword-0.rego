package test

default f(_) := 100
