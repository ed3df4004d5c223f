// mrtd FIRMWARE - the MRTD Google's gce-tcb-verifier computes for a TDVF
// image (its tdx package, GCE's c3-standard-4 launch options), printed in
// hex: the independent check test_derive_tdx.sh holds `verdict --derive
// tdx --tdvf` against. Test code only.
package main

import (
	"encoding/hex"
	"fmt"
	"os"

	"github.com/google/gce-tcb-verifier/tdx"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mrtd FIRMWARE")
		os.Exit(2)
	}
	fw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := tdx.MRTD(tdx.LaunchOptionsDefault("c3-standard-4"), fw)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(hex.EncodeToString(m[:]))
}
