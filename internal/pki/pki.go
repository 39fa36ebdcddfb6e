package pki

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Well-known identities in the client certificates.
const (
	AdminUser              = "system:admin"
	SystemMastersGroup     = "system:masters"
	APIServerKubeletClient = "system:kube-apiserver-kubelet-client"
	ServingCertCommonName  = "nauta-apiserver"
)

// File names under Config.Dir.
const (
	CACertFile            = "ca.crt"
	CAKeyFile             = "ca.key"
	ServingCertFile       = "serving.crt"
	ServingKeyFile        = "serving.key"
	AdminCertFile         = "admin.crt"
	AdminKeyFile          = "admin.key"
	KubeletClientCertFile = "apiserver-kubelet-client.crt"
	KubeletClientKeyFile  = "apiserver-kubelet-client.key"
)

// ErrCAInvalid is returned when the CA files exist but cannot be used. The
// CA is never replaced automatically.
var ErrCAInvalid = errors.New("cluster CA is unusable")

// Config says where the certificates live and which names the serving
// certificate must carry.
type Config struct {
	// Dir holds the files, normally DATA_DIR/tls. Required.
	Dir string
	// ServingDNSNames and ServingIPs are the exact SAN set of the serving
	// certificate (see ServingSANs). At least one is required.
	ServingDNSNames []string
	ServingIPs      []net.IP
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives a line per created certificate; nil means slog.Default().
	Logger *slog.Logger
}

// KeyPair is a certificate and its private key, on disk and in memory.
type KeyPair struct {
	CertFile string
	KeyFile  string
	CertPEM  []byte
	KeyPEM   []byte
	Cert     *x509.Certificate
}

// TLSCertificate returns the pair for crypto/tls.
func (k KeyPair) TLSCertificate() (tls.Certificate, error) {
	cert, err := tls.X509KeyPair(k.CertPEM, k.KeyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load %s: %w", k.CertFile, err)
	}
	return cert, nil
}

// Bundle is every credential the control plane needs.
type Bundle struct {
	CAFile string
	CAPEM  []byte
	CA     *x509.Certificate
	// CAPool trusts the cluster CA; use it for ClientCAs and RootCAs.
	CAPool *x509.CertPool
	// Serving is the API server's TLS certificate.
	Serving KeyPair
	// Admin is the client certificate of system:admin (system:masters).
	Admin KeyPair
	// KubeletClient is the API server's client certificate towards kubelets.
	KubeletClient KeyPair
}

// Ensure loads the certificates under cfg.Dir, creating or re-issuing what
// is missing, expiring, or (for the serving certificate) carries other
// names than wanted.
func Ensure(cfg Config) (*Bundle, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pki: Dir is required")
	}
	if len(cfg.ServingDNSNames) == 0 && len(cfg.ServingIPs) == 0 {
		return nil, errors.New("pki: the serving certificate needs at least one SAN")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, dirMode); err != nil {
		return nil, fmt.Errorf("create %s: %w", cfg.Dir, err)
	}
	now := cfg.Now()

	caCert, caKey, caPEM, err := ensureCA(cfg, now)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	b := &Bundle{
		CAFile: filepath.Join(cfg.Dir, CACertFile),
		CAPEM:  caPEM,
		CA:     caCert,
		CAPool: pool,
	}
	leaves := []struct {
		out      *KeyPair
		certFile string
		keyFile  string
		spec     leafSpec
	}{
		{&b.Serving, ServingCertFile, ServingKeyFile, leafSpec{
			CommonName: ServingCertCommonName,
			DNSNames:   cfg.ServingDNSNames,
			IPs:        cfg.ServingIPs,
			Usage:      []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}},
		{&b.Admin, AdminCertFile, AdminKeyFile, leafSpec{
			CommonName:   AdminUser,
			Organization: []string{SystemMastersGroup},
			Usage:        []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}},
		{&b.KubeletClient, KubeletClientCertFile, KubeletClientKeyFile, leafSpec{
			CommonName:   APIServerKubeletClient,
			Organization: []string{SystemMastersGroup},
			Usage:        []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}},
	}
	for _, l := range leaves {
		kp, err := ensureLeaf(cfg, now, filepath.Join(cfg.Dir, l.certFile), filepath.Join(cfg.Dir, l.keyFile), l.spec, caCert, caKey)
		if err != nil {
			return nil, err
		}
		*l.out = kp
	}
	return b, nil
}

// ensureCA loads the CA, or creates it when neither of its files exists.
func ensureCA(cfg Config, now time.Time) (*x509.Certificate, crypto.Signer, []byte, error) {
	certPath := filepath.Join(cfg.Dir, CACertFile)
	keyPath := filepath.Join(cfg.Dir, CAKeyFile)
	certExists, err := fileExists(certPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrCAInvalid, err)
	}
	keyExists, err := fileExists(keyPath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w: %w", ErrCAInvalid, err)
	}
	switch {
	case certExists && keyExists:
		cert, certPEM, err := readCert(certPath)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: %w", ErrCAInvalid, err)
		}
		key, _, err := readKey(keyPath)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: %w", ErrCAInvalid, err)
		}
		if !cert.IsCA || !keyMatchesCert(key, cert) {
			return nil, nil, nil, fmt.Errorf("%w: %s is not a CA matching %s", ErrCAInvalid, certPath, keyPath)
		}
		if now.After(cert.NotAfter) {
			return nil, nil, nil, fmt.Errorf("%w: %s expired on %s", ErrCAInvalid, certPath, cert.NotAfter.Format(time.RFC3339))
		}
		return cert, key, certPEM, nil
	case certExists || keyExists:
		return nil, nil, nil, fmt.Errorf("%w: only one of %s and %s exists", ErrCAInvalid, certPath, keyPath)
	}

	cert, key, err := newCA(now)
	if err != nil {
		return nil, nil, nil, err
	}
	keyPEM, err := encodeKeyPEM(key)
	if err != nil {
		return nil, nil, nil, err
	}
	certPEM := encodeCertPEM(cert)
	// Key first: a cert without its key is the state we refuse to repair.
	if err := writeFileAtomic(keyPath, keyPEM, keyFileMode); err != nil {
		return nil, nil, nil, err
	}
	if err := writeFileAtomic(certPath, certPEM, certFileMode); err != nil {
		return nil, nil, nil, err
	}
	cfg.Logger.Info("created cluster CA", "file", certPath, "expires", cert.NotAfter.Format(time.RFC3339))
	return cert, key, certPEM, nil
}

// ensureLeaf loads a leaf certificate and re-issues it when it no longer
// fits spec.
func ensureLeaf(cfg Config, now time.Time, certPath, keyPath string, spec leafSpec, caCert *x509.Certificate, caKey crypto.Signer) (KeyPair, error) {
	kp, reason := loadLeaf(now, certPath, keyPath, spec, caCert)
	if reason == "" {
		return kp, nil
	}
	cert, key, err := issue(now, spec, caCert, caKey)
	if err != nil {
		return KeyPair{}, err
	}
	keyPEM, err := encodeKeyPEM(key)
	if err != nil {
		return KeyPair{}, err
	}
	certPEM := encodeCertPEM(cert)
	if err := writeFileAtomic(keyPath, keyPEM, keyFileMode); err != nil {
		return KeyPair{}, err
	}
	if err := writeFileAtomic(certPath, certPEM, certFileMode); err != nil {
		return KeyPair{}, err
	}
	cfg.Logger.Info("issued certificate", "file", certPath, "commonName", spec.CommonName, "reason", reason,
		"expires", cert.NotAfter.Format(time.RFC3339))
	return KeyPair{CertFile: certPath, KeyFile: keyPath, CertPEM: certPEM, KeyPEM: keyPEM, Cert: cert}, nil
}

// loadLeaf returns the stored pair, or why it must be re-issued.
func loadLeaf(now time.Time, certPath, keyPath string, spec leafSpec, caCert *x509.Certificate) (KeyPair, string) {
	cert, certPEM, err := readCert(certPath)
	if errors.Is(err, os.ErrNotExist) {
		return KeyPair{}, "missing"
	}
	if err != nil {
		return KeyPair{}, "unreadable: " + err.Error()
	}
	key, keyPEM, err := readKey(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		return KeyPair{}, "key missing"
	}
	if err != nil {
		return KeyPair{}, "key unreadable: " + err.Error()
	}
	switch {
	case !keyMatchesCert(key, cert):
		return KeyPair{}, "key does not match certificate"
	case cert.CheckSignatureFrom(caCert) != nil:
		return KeyPair{}, "not signed by the cluster CA"
	case now.Add(renewBefore).After(cert.NotAfter) && cert.NotAfter.Before(caCert.NotAfter):
		return KeyPair{}, "expires soon"
	case cert.Subject.CommonName != spec.CommonName || !slices.Equal(cert.Subject.Organization, spec.Organization):
		return KeyPair{}, "subject changed"
	case !slices.Equal(cert.ExtKeyUsage, spec.Usage):
		return KeyPair{}, "key usage changed"
	case !sameSANs(cert.DNSNames, cert.IPAddresses, spec.DNSNames, spec.IPs):
		return KeyPair{}, "subject alternative names changed"
	}
	return KeyPair{CertFile: certPath, KeyFile: keyPath, CertPEM: certPEM, KeyPEM: keyPEM, Cert: cert}, ""
}
