package test

p := object.keys({1: 1, 2: 2})
