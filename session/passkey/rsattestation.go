package passkey

import (
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Attestation is webauthn-rs's attestation member of a credential (its
// ParsedAttestation), kept so that it is written back as it was read.
type Attestation struct {
	// Data is the variant of the attestation data (SerialisableAttestationData):
	// "Basic", "Self_", "AttCa", "AnonCa", "ECDAA", "None" or "Uncertain".
	Data string
	// Chain is the DER certificate chain of a Basic, AttCa or AnonCa
	// attestation (leaf first), each certificate DER as webauthn-rs requires.
	Chain [][]byte
	// Metadata is the attestation metadata (AttestationMetadata) as
	// webauthn-rs's serde writes it: "None", or one of {"Packed": {"aaguid"}},
	// {"Tpm": {"aaguid", "firmware_version"}}, {"AndroidKey": {"is_km_tee",
	// "is_attest_tee"}}, {"AndroidSafetyNet": {"apk_package_name",
	// "apk_certificate_digest_sha256", "cts_profile_match",
	// "basic_integrity", "evaluation_type"}}, aaguids as hyphenated lowercase
	// UUIDs. Empty means "None".
	Metadata json.RawMessage
}

// attestationData lists the variants of SerialisableAttestationData and
// whether each carries a certificate chain.
func attestationData() map[string]bool {
	return map[string]bool{"Basic": true, "Self_": false, "AttCa": true, "AnonCa": true, "ECDAA": false, "None": false, "Uncertain": false}
}

// maxChain bounds an attestation chain; maxCertSize one certificate.
const (
	maxChain    = 8
	maxCertSize = 16 << 10
)

func readAttestation(o *object) (Attestation, error) {
	var a Attestation
	dv, err := o.get("data")
	if err != nil {
		return a, err
	}
	path := o.path + ".data"
	name, val, err := variant(dv, path)
	if err != nil {
		return a, err
	}
	chained, known := attestationData()[name]
	switch {
	case !known:
		return a, fmt.Errorf("%w: %s = %s is not attestation data", ErrFormat, path, quote(name))
	case chained && val == nil, !chained && val != nil:
		return a, fmt.Errorf("%w: %s: %s with a value of the wrong kind", ErrFormat, path, name)
	case chained:
		if a.Chain, err = readChain(val, path+"."+name); err != nil {
			return a, err
		}
	}
	a.Data = name
	mv, err := o.get("metadata")
	if err != nil {
		return a, err
	}
	m, err := readMetadata(mv, o.path+".metadata")
	if err != nil {
		return a, err
	}
	a.Metadata, err = marshal(m)
	return a, err
}

// readChain reads a Vec<Base64UrlSafeData> of DER certificates. webauthn-rs
// parses each with OpenSSL's X509::from_der and refuses the state when one
// fails; Sesame checks each is one DER Certificate SEQUENCE (TBSCertificate,
// AlgorithmIdentifier, BIT STRING), nothing after it.
func readChain(v any, path string) ([][]byte, error) {
	certs, ok := v.([]any)
	if !ok || len(certs) > maxChain {
		return nil, fmt.Errorf("%w: %s is %s, want an array of at most %d certificates", ErrFormat, path, kind(v), maxChain)
	}
	chain := make([][]byte, 0, len(certs))
	for i, c := range certs {
		p := fmt.Sprintf("%s[%d]", path, i)
		der, err := readBytes(c, p, maxCertSize)
		if err != nil {
			return nil, err
		}
		if err := checkCertificateDER(der); err != nil {
			return nil, fmt.Errorf("%w: %s is not a DER certificate: %w", ErrFormat, p, err)
		}
		chain = append(chain, der)
	}
	return chain, nil
}

// certificateShape is an X.509 Certificate's outer structure (RFC 5280 §4.1).
type certificateShape struct {
	TBS       asn1.RawValue
	Algorithm asn1.RawValue
	Signature asn1.BitString
}

func checkCertificateDER(der []byte) error {
	var c certificateShape
	rest, err := asn1.Unmarshal(der, &c)
	switch {
	case err != nil:
		return err
	case len(rest) != 0:
		return fmt.Errorf("%d bytes after the certificate", len(rest))
	case c.TBS.Tag != asn1.TagSequence || c.Algorithm.Tag != asn1.TagSequence:
		return fmt.Errorf("not a Certificate SEQUENCE")
	}
	return nil
}

// wireMetadata is AttestationMetadata: a unit variant name, or one struct
// variant in its member order.
type wireMetadata struct {
	unit             string
	Packed           *metaPacked     `json:"Packed,omitempty"`
	Tpm              *metaTpm        `json:"Tpm,omitempty"`
	AndroidKey       *metaAndroidKey `json:"AndroidKey,omitempty"`
	AndroidSafetyNet *metaSafetyNet  `json:"AndroidSafetyNet,omitempty"`
}

type metaPacked struct {
	AAGUID string `json:"aaguid"`
}

type metaTpm struct {
	AAGUID          string `json:"aaguid"`
	FirmwareVersion uint64 `json:"firmware_version"`
}

type metaAndroidKey struct {
	IsKMTEE     bool `json:"is_km_tee"`
	IsAttestTEE bool `json:"is_attest_tee"`
}

type metaSafetyNet struct {
	APKPackageName             string  `json:"apk_package_name"`
	APKCertificateDigestSHA256 []b64   `json:"apk_certificate_digest_sha256"`
	CTSProfileMatch            bool    `json:"cts_profile_match"`
	BasicIntegrity             bool    `json:"basic_integrity"`
	EvaluationType             *string `json:"evaluation_type"`
}

// MarshalJSON writes m as serde does.
func (m wireMetadata) MarshalJSON() ([]byte, error) {
	if m.unit != "" {
		return marshal(m.unit)
	}
	type plain wireMetadata // without this method
	return marshal(plain(m))
}

// readMetadata reads AttestationMetadata. Struct variants ignore members they
// do not know; an aaguid is a UUID in any form Rust's uuid crate parses.
func readMetadata(v any, path string) (*wireMetadata, error) {
	name, val, err := variant(v, path)
	if err != nil {
		return nil, err
	}
	if name == "None" && val == nil {
		return &wireMetadata{unit: "None"}, nil
	}
	o, err := asObject(val, path+"."+name)
	if err != nil || name == "None" {
		return nil, fmt.Errorf("%w: %s = %s is not attestation metadata", ErrFormat, path, quote(name))
	}
	var m wireMetadata
	switch name {
	case "Packed":
		m.Packed = &metaPacked{}
		m.Packed.AAGUID, err = o.aaguid("aaguid")
	case "Tpm":
		m.Tpm = &metaTpm{}
		if m.Tpm.AAGUID, err = o.aaguid("aaguid"); err == nil {
			m.Tpm.FirmwareVersion, err = o.unsigned("firmware_version", 64)
		}
	case "AndroidKey":
		m.AndroidKey = &metaAndroidKey{}
		if m.AndroidKey.IsKMTEE, err = o.boolean("is_km_tee"); err == nil {
			m.AndroidKey.IsAttestTEE, err = o.boolean("is_attest_tee")
		}
	case "AndroidSafetyNet":
		m.AndroidSafetyNet, err = readSafetyNet(o)
	default:
		return nil, fmt.Errorf("%w: %s = %s is not attestation metadata", ErrFormat, path, quote(name))
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

func readSafetyNet(o *object) (*metaSafetyNet, error) {
	var m metaSafetyNet
	var err error
	if m.APKPackageName, err = o.str("apk_package_name"); err != nil {
		return nil, err
	}
	if len(m.APKPackageName) > 1024 {
		return nil, fmt.Errorf("%w: %s.apk_package_name too long", ErrFormat, o.path)
	}
	dv, err := o.get("apk_certificate_digest_sha256")
	if err != nil {
		return nil, err
	}
	ds, ok := dv.([]any)
	if !ok || len(ds) > 16 {
		return nil, fmt.Errorf("%w: %s.apk_certificate_digest_sha256 is %s, want a short array", ErrFormat, o.path, kind(dv))
	}
	m.APKCertificateDigestSHA256 = make([]b64, 0, len(ds))
	for i, d := range ds {
		b, err := readBytes(d, fmt.Sprintf("%s.apk_certificate_digest_sha256[%d]", o.path, i), 64)
		if err != nil {
			return nil, err
		}
		m.APKCertificateDigestSHA256 = append(m.APKCertificateDigestSHA256, b)
	}
	if m.CTSProfileMatch, err = o.boolean("cts_profile_match"); err != nil {
		return nil, err
	}
	if m.BasicIntegrity, err = o.boolean("basic_integrity"); err != nil {
		return nil, err
	}
	if ev, ok := o.opt("evaluation_type"); ok {
		s, isString := ev.(string)
		if !isString || len(s) > 1024 {
			return nil, fmt.Errorf("%w: %s.evaluation_type is %s, want null or a string", ErrFormat, o.path, kind(ev))
		}
		m.EvaluationType = &s
	}
	return &m, nil
}

// aaguid reads a Uuid as the uuid crate's serde reads it from JSON: a string,
// simple (32 hex digits), hyphenated, braced ({…}) or a URN (urn:uuid:…),
// hex in either case. It returns the hyphenated lowercase form serde writes.
func (o *object) aaguid(k string) (string, error) {
	s, err := o.str(k)
	if err != nil {
		return "", err
	}
	ok := true
	switch len(s) {
	case 32, 36:
	case 38:
		ok = s[0] == '{' && s[37] == '}'
	case 45:
		ok = strings.HasPrefix(s, "urn:uuid:")
	default:
		ok = false
	}
	u, perr := uuid.Parse(s)
	if !ok || perr != nil {
		return "", fmt.Errorf("%w: %s.%s = %s is not a UUID", ErrFormat, o.path, k, quote(s))
	}
	return u.String(), nil
}

// wireAttestation is ParsedAttestation in its member order.
type wireAttestation struct {
	Data     any             `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
}

// wire checks a and returns it in serde's shape; Metadata is re-read, so
// only what webauthn-rs reads is written.
func (a Attestation) wire() (wireAttestation, error) {
	var w wireAttestation
	data := a.Data
	if data == "" {
		data = "None"
	}
	chained, known := attestationData()[data]
	switch {
	case !known:
		return w, fmt.Errorf("%w: attestation data %s", ErrFormat, quote(data))
	case chained:
		chain := make([]b64, len(a.Chain))
		for i, der := range a.Chain {
			if err := checkCertificateDER(der); err != nil || len(der) > maxCertSize {
				return w, fmt.Errorf("%w: attestation certificate %d is not DER", ErrFormat, i)
			}
			chain[i] = der
		}
		w.Data = map[string][]b64{data: chain}
	case len(a.Chain) > 0:
		return w, fmt.Errorf("%w: a %s attestation with a chain", ErrFormat, data)
	default:
		w.Data = data
	}
	if len(a.Metadata) == 0 {
		w.Metadata = json.RawMessage(`"None"`)
		return w, nil
	}
	v, err := parseStrict(a.Metadata)
	if err != nil {
		return w, err
	}
	m, err := readMetadata(v, "metadata")
	if err != nil {
		return w, err
	}
	w.Metadata, err = marshal(m)
	return w, err
}
