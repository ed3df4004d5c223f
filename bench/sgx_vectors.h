/* sgx_vectors.h - the SGX reference values and two evidence documents
 * (one the policy allows, one with another mrEnclave) that bench-rego and
 * bench-decide both decide on, so their figures are about the same work. */
#ifndef EAA_BENCH_SGX_VECTORS_H
#define EAA_BENCH_SGX_VECTORS_H

static const char sgx_data[] =
	"{\"mrEnclave\":[\"zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=\"],"
	"\"mrSigner\":[\"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=\"],"
	"\"productId\":0,\"svn\":0}";
static const char sgx_ok[] =
	"{\"mrEnclave\":\"zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=\","
	"\"mrSigner\":\"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=\","
	"\"productId\":0,\"svn\":0}";
static const char sgx_bad[] =
	"{\"mrEnclave\":\"+PLc9QPrEZ6ad9e3BgihgOINOVPYvIj0v/ixt2Kbwyw=\","
	"\"mrSigner\":\"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=\","
	"\"productId\":0,\"svn\":0}";

#endif
