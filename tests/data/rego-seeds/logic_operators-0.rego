package test
import future.keywords.and
import future.keywords.or

p if {
  { input.a and { input.b or input.c } } and { input.d or { input.e and input.f } }
}
