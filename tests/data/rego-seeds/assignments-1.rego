package test

b := 2
