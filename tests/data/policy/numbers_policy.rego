# Numbers as OPA computes and prints them (docs/rego.md, the paragraph on
# numbers): arithmetic, aggregates, comparisons, format_int and sprintf on
# the generated inputs' numbers (past int64, decimals, exponents) and on
# reference data read exactly. For test_peer_opa_diff.sh.
package policy

import rego.v1

sum_ab := input.a + input.b

diff_ab := input.a - input.b

prod_ab := input.a * input.b

quot_ab := input.a / input.b

rem_ab := input.a % input.b

order := [input.a < input.b, input.a == input.b, input.a >= input.b]

aggregates := [sum([input.a, input.b]), product([input.a, input.b]), max([input.a, input.b, data.ref.big])]

unary := [abs(input.a), round(input.a), ceil(input.a), floor(input.a)]

formatted := [format_int(input.a, 16), format_int(input.a, 10), format_int(input.b, 2)]

printed := sprintf("%v %d %f %x %e %T", [input.a, input.a, input.a, input.a, input.a, input.a])

exact := [input.a == data.ref.big, input.a - data.ref.big, data.ref.big * input.b]

listed if input.a in {x | some x in data.ref.values}

sorted := sort([input.a, input.b, data.ref.big, data.ref.decimal])

round_trip := [to_number(json.marshal(input.a)), json.unmarshal(json.marshal(input.b))] if is_number(input.a)
