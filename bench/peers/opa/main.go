// Command bench-opa is bench-rego's twin on OPA v1.22.4 (bench code, run by
// bench/rego-vs-peers.sh): the same policies, reference data and inputs,
// prepared once with rego.PrepareForEval and evaluated per input as a
// server uses OPA; each evaluation parses the input JSON and evaluates
// data.policy.allow, the whole per-request cost bench-rego measures.
//
//	bench-opa [-n EVALS] DATA_DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

const (
	sgxData = `{"mrEnclave":["zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA="],` +
		`"mrSigner":["g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="],"productId":0,"svn":0}`
	sgxOK = `{"mrEnclave":"zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA=",` +
		`"mrSigner":"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=","productId":0,"svn":0}`
	sgxBad = `{"mrEnclave":"+PLc9QPrEZ6ad9e3BgihgOINOVPYvIj0v/ixt2Kbwyw=",` +
		`"mrSigner":"g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4=","productId":0,"svn":0}`
	csvOK  = `{"measure":"OJXIhq3PHbknNmpAIy8YpUHOpY0wvGRXULOW8djVAZA="}`
	csvBad = `{"measure":"OJXlhq3PHbknNmpAly8YpUHOpY0wvGRXULOW8djVAZA="}`
)

func die(a ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"bench-opa:"}, a...)...)
	os.Exit(1)
}

func prepare(dir, policy string, data []byte) rego.PreparedEvalQuery {
	src, err := os.ReadFile(filepath.Join(dir, "policy", policy))
	if err != nil {
		die(err)
	}
	var doc map[string]any
	if err := util.UnmarshalJSON(data, &doc); err != nil {
		die(err)
	}
	pq, err := rego.New(rego.Query("data.policy.allow"), rego.Module(policy, string(src)),
		rego.SetRegoVersion(ast.RegoV0), rego.Store(inmem.NewFromObject(doc))).
		PrepareForEval(context.Background())
	if err != nil {
		die(policy, err)
	}
	return pq
}

func measure(pq rego.PreparedEvalQuery, input string, want bool, n int) float64 {
	ctx := context.Background()
	raw := []byte(input)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		var in any
		if err := util.UnmarshalJSON(raw, &in); err != nil {
			die(err)
		}
		rs, err := pq.Eval(ctx, rego.EvalInput(in))
		if err != nil || len(rs) != 1 || rs[0].Expressions[0].Value != want {
			die("unexpected result", rs, err)
		}
	}
	return float64(n) / time.Since(t0).Seconds()
}

func main() {
	n := flag.Int("n", 100000, "evaluations per case")
	flag.Parse()
	dir := "tests/data"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	csvData, err := os.ReadFile(filepath.Join(dir, "policy", "seed_csvData.json"))
	if err != nil {
		die(err)
	}
	sq := prepare(dir, "verdictd_sgxPolicy.rego", []byte(sgxData))
	cq := prepare(dir, "seed_csvPolicy.rego", csvData)
	measure(sq, sgxOK, true, 1000) // warm up
	fmt.Printf("opa %d evaluations per case\n", *n)
	fmt.Printf("sgx allow  %10.0f evals/s\n", measure(sq, sgxOK, true, *n))
	fmt.Printf("sgx deny   %10.0f evals/s\n", measure(sq, sgxBad, false, *n))
	fmt.Printf("csv allow  %10.0f evals/s\n", measure(cq, csvOK, true, *n))
	fmt.Printf("csv deny   %10.0f evals/s\n", measure(cq, csvBad, false, *n))
}
