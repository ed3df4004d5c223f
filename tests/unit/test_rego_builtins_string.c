/* test_rego_builtins_string.c - (being written) */
#include "builtins.h"
#include "test.h"

int main(void)
{
	CHECK(rb_lookup("nonexistent.builtin", 19) == NULL);
	return test_summary();
}
