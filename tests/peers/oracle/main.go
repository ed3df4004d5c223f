// Command oracle verifies real TDX quotes and SEV-SNP reports with Google's
// go-tdx-guest and go-sev-guest (test code: the peer our verifiers are
// compared with, tests/integration/test_peer_oracle.sh) and prints the
// claims in rats-verify's field names, as JSON.
//
//	oracle tdx QUOTE AT INTEL_ROOT_PEM [COLLATERAL_DIR]
//	oracle snp REPORT VCEK ASK_ARK_PEM PRODUCT AT
//
// AT is an RFC 3339 time: certificates and collateral are judged then.
// INTEL_ROOT_PEM is the root the PCK chain must end in (ours pins the same).
// Without COLLATERAL_DIR only the chain to Intel's root and the signatures
// are checked. Nothing is fetched from the network: the collateral
// directory holds what Intel's PCS sends (tcb-info.json, qe-identity.json,
// the CRLs and the issuer chains), served to go-tdx-guest by a Getter.
package main

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevverify "github.com/google/go-sev-guest/verify"
	sevtrust "github.com/google/go-sev-guest/verify/trust"
	tdxabi "github.com/google/go-tdx-guest/abi"
	tpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxverify "github.com/google/go-tdx-guest/verify"
)

func die(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "oracle: "+format+"\n", a...)
	os.Exit(1)
}

func h(b []byte) string { return hex.EncodeToString(b) }

// offline serves Intel PCS answers from a directory: the body by the
// request's path, the issuer chain header from the matching PEM file.
type offline struct{ dir string }

func (o offline) Get(u string) (map[string][]string, []byte, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, nil, err
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(o.dir, name))
		if err != nil {
			die("collateral %s: %v", name, err)
		}
		return b
	}
	chain := func(name string) []string { return []string{url.QueryEscape(string(read(name)))} }
	switch {
	case strings.HasSuffix(p.Path, "/tcb"):
		return map[string][]string{"Tcb-Info-Issuer-Chain": chain("tcb-info-issuer-chain.pem")},
			read("tcb-info.json"), nil
	case strings.HasSuffix(p.Path, "/qe/identity"):
		return map[string][]string{"Sgx-Enclave-Identity-Issuer-Chain": chain("qe-identity-issuer-chain.pem")},
			read("qe-identity.json"), nil
	case strings.HasSuffix(p.Path, "/pckcrl"):
		return map[string][]string{"Sgx-Pck-Crl-Issuer-Chain": chain("pck-crl-issuer-chain.pem")},
			read("pck-crl.der"), nil
	case strings.HasSuffix(p.Path, ".der") || strings.Contains(p.Path, "Root"):
		return nil, read("root-ca-crl.der"), nil
	}
	return nil, nil, fmt.Errorf("oracle: no offline answer for %s", u)
}

func tdx(args []string) map[string]any {
	if len(args) < 3 {
		die("tdx QUOTE AT INTEL_ROOT_PEM [COLLATERAL_DIR]")
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		die("%v", err)
	}
	at, err := time.Parse(time.RFC3339, args[1])
	if err != nil {
		die("AT: %v", err)
	}
	rootPEM, err := os.ReadFile(args[2])
	if err != nil {
		die("%v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		die("%s: no certificate", args[2])
	}
	opts := &tdxverify.Options{Now: at, TrustedRoots: roots}
	if len(args) > 3 {
		opts.GetCollateral = true
		opts.CheckRevocations = true
		opts.Getter = offline{args[3]}
	}
	q, err := tdxabi.QuoteToProto(raw)
	if err != nil {
		die("parse: %v", err)
	}
	if err := tdxverify.TdxQuote(q, opts); err != nil {
		die("verify: %v", err)
	}
	// go-tdx-guest v0.3.1 reads version 4 quotes only
	v4, ok := q.(*tpb.QuoteV4)
	if !ok {
		die("unexpected quote type %T", q)
	}
	body, version := v4.GetTdQuoteBody(), v4.GetHeader().GetVersion()
	c := map[string]any{
		"quote_version": version, "tee_tcb_svn": h(body.GetTeeTcbSvn()),
		"mr_seam": h(body.GetMrSeam()), "mr_signer_seam": h(body.GetMrSignerSeam()),
		"seam_attributes": h(body.GetSeamAttributes()), "td_attributes": h(body.GetTdAttributes()),
		"xfam": h(body.GetXfam()), "mr_td": h(body.GetMrTd()), "mr_config_id": h(body.GetMrConfigId()),
		"mr_owner": h(body.GetMrOwner()), "mr_owner_config": h(body.GetMrOwnerConfig()),
		"report_data": h(body.GetReportData()),
	}
	for i, r := range body.GetRtmrs() {
		c[fmt.Sprintf("rtmr%d", i)] = h(r)
	}
	return c
}

func snp(args []string) map[string]any {
	if len(args) != 5 {
		die("snp REPORT VCEK ASK_ARK_PEM PRODUCT AT")
	}
	raw, err := os.ReadFile(args[0])
	if err != nil {
		die("%v", err)
	}
	vcek, err := os.ReadFile(args[1])
	if err != nil {
		die("%v", err)
	}
	bundle, err := os.ReadFile(args[2])
	if err != nil {
		die("%v", err)
	}
	at, err := time.Parse(time.RFC3339, args[4])
	if err != nil {
		die("AT: %v", err)
	}
	report, err := sevabi.ReportToProto(raw[:sevabi.ReportSize])
	if err != nil {
		die("parse: %v", err)
	}
	// the bundle is ASK, ARK and ASVK: the VCEK's chain is the first two
	var askArk []byte
	for rest, n := bundle, 0; n < 2; n++ {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			die("roots: want ASK and ARK PEM certificates")
		}
		askArk = append(askArk, pem.EncodeToMemory(b)...)
	}
	root := sevtrust.AMDRootCertsProduct(args[3])
	if err := root.FromKDSCertBytes(askArk); err != nil {
		die("roots: %v", err)
	}
	product := spb.SevProduct_SEV_PRODUCT_MILAN
	switch args[3] {
	case "Genoa":
		product = spb.SevProduct_SEV_PRODUCT_GENOA
	case "Turin":
		product = spb.SevProduct_SEV_PRODUCT_TURIN
	}
	opts := &sevverify.Options{
		DisableCertFetching: true, Now: at,
		TrustedRoots: map[string][]*sevtrust.AMDRootCerts{args[3]: {root}},
		Product:      &spb.SevProduct{Name: product},
	}
	att := &spb.Attestation{Report: report, CertificateChain: &spb.CertificateChain{VcekCert: vcek}}
	if err := sevverify.SnpAttestation(att, opts); err != nil {
		die("verify: %v", err)
	}
	pol, err := sevabi.ParseSnpPolicy(report.GetPolicy())
	if err != nil {
		die("policy: %v", err)
	}
	tcb := kds.DecomposeTCBVersion(kds.TCBVersion(report.GetReportedTcb()))
	return map[string]any{
		"version": report.GetVersion(), "guest_svn": report.GetGuestSvn(), "vmpl": report.GetVmpl(),
		"family_id": h(report.GetFamilyId()), "image_id": h(report.GetImageId()),
		"measurement": h(report.GetMeasurement()), "host_data": h(report.GetHostData()),
		"id_key_digest": h(report.GetIdKeyDigest()), "author_key_digest": h(report.GetAuthorKeyDigest()),
		"report_id": h(report.GetReportId()), "report_data": h(report.GetReportData()),
		"chip_id":                 h(report.GetChipId()),
		"reported_tcb_bootloader": tcb.BlSpl, "reported_tcb_tee": tcb.TeeSpl,
		"reported_tcb_snp": tcb.SnpSpl, "reported_tcb_microcode": tcb.UcodeSpl,
		"policy_abi_major": pol.ABIMajor, "policy_abi_minor": pol.ABIMinor,
		"policy_smt_allowed": pol.SMT, "policy_migrate_ma": pol.MigrateMA,
		"policy_debug_allowed": pol.Debug, "policy_single_socket": pol.SingleSocket,
	}
}

func main() {
	if len(os.Args) < 2 {
		die("usage: oracle tdx|snp ...")
	}
	var c map[string]any
	switch os.Args[1] {
	case "tdx":
		c = tdx(os.Args[2:])
	case "snp":
		c = snp(os.Args[2:])
	default:
		die("unknown TEE %q", os.Args[1])
	}
	out, _ := json.MarshalIndent(c, "", "  ")
	fmt.Println(string(out))
}
