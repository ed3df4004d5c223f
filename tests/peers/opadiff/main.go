// Command opadiff evaluates one query over many inputs with OPA's Go API, the
// way a server uses OPA (rego.PrepareForEval once, then Eval per input),
// and prints one line per input exactly as `rego eval --inputs` does: the
// value (compact JSON, keys sorted), "undefined", or "error: MESSAGE".
// Test code: the peer of tests/integration/test_peer_opa_diff.sh.
//
//	opadiff [-v0] -d FILE... -q QUERY -inputs FILE.jsonl
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(v string) error { *f = append(*f, v); return nil }

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "opadiff: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	var data files
	query := flag.String("q", "data.policy", "query")
	inputs := flag.String("inputs", "", "JSON Lines inputs")
	v0 := flag.Bool("v0", false, "parse policies as Rego v0")
	flag.Var(&data, "d", "a .rego policy or .json data file (repeatable)")
	flag.Parse()

	opts := []func(*rego.Rego){rego.Query(*query)}
	if *v0 {
		opts = append(opts, rego.SetRegoVersion(ast.RegoV0))
	}
	doc := map[string]any{}
	for _, f := range data {
		b, err := os.ReadFile(f)
		if err != nil {
			die("%v", err)
		}
		if strings.HasSuffix(f, ".rego") {
			opts = append(opts, rego.Module(f, string(b)))
			continue
		}
		var d map[string]any
		if err := util.UnmarshalJSON(b, &d); err != nil {
			die("%s: %v", f, err)
		}
		for k, v := range d {
			doc[k] = v
		}
	}
	opts = append(opts, rego.Store(inmem.NewFromObject(doc)))
	ctx := context.Background()
	pq, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		die("prepare: %v", err)
	}
	in, err := os.Open(*inputs)
	if err != nil {
		die("%v", err)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var input any
		if err := util.UnmarshalJSON(line, &input); err != nil {
			die("input: %v", err)
		}
		rs, err := pq.Eval(ctx, rego.EvalInput(input))
		switch {
		case err != nil:
			fmt.Fprintf(w, "error: %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		case len(rs) == 0 || len(rs[0].Expressions) == 0:
			fmt.Fprintln(w, "undefined")
		default:
			out, err := json.Marshal(rs[0].Expressions[0].Value)
			if err != nil {
				die("marshal: %v", err)
			}
			fmt.Fprintln(w, string(out))
		}
	}
	if err := sc.Err(); err != nil {
		die("inputs: %v", err)
	}
}
