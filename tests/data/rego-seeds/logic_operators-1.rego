package test
import future.keywords.and

p if {
  (input.x < 2 with input.x as 1) and input.x == 5
}
