package test
import future.keywords.or
import future.keywords.not

# not body iterates xs; succeeds iff NO element satisfies either branch
p if {
  not { some n in input.xs; n < 0 or n > 100 }
}
