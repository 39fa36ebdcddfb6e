package authn

import (
	"crypto/x509"
	"fmt"
	"net/http"
)

// X509 authenticates requests by their TLS client certificate: the user name
// is the certificate's Common Name and the groups are its Organizations.
//
// The listener verifies certificates against the cluster CA
// (tls.VerifyClientCertIfGiven); X509 then trusts r.TLS.VerifiedChains.
// When Roots is set, X509 verifies the peer certificates itself instead,
// which serves listeners that only request certificates.
type X509 struct {
	Roots *x509.CertPool
}

var _ Authenticator = (*X509)(nil)

// NewX509 returns an authenticator trusting the TLS layer's verification.
func NewX509() *X509 { return &X509{} }

// NewX509WithRoots returns an authenticator that verifies client
// certificates against roots itself.
func NewX509WithRoots(roots *x509.CertPool) *X509 { return &X509{Roots: roots} }

// Authenticate implements Authenticator.
func (a *X509) Authenticate(r *http.Request) (*User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	leaf, err := a.verifiedLeaf(r)
	if err != nil {
		return nil, false, err
	}
	// A certificate without a name identifies nobody; like upstream, treat
	// it as no credential so other authenticators may still succeed.
	if leaf.Subject.CommonName == "" {
		return nil, false, nil
	}
	return &User{
		Name:   leaf.Subject.CommonName,
		Groups: withAuthenticatedGroup(leaf.Subject.Organization),
	}, true, nil
}

func (a *X509) verifiedLeaf(r *http.Request) (*x509.Certificate, error) {
	peers := r.TLS.PeerCertificates
	if a.Roots == nil {
		if len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
			return nil, fmt.Errorf("client certificate %q was not verified against the cluster CA", peers[0].Subject.CommonName)
		}
		return r.TLS.VerifiedChains[0][0], nil
	}
	intermediates := x509.NewCertPool()
	for _, c := range peers[1:] {
		intermediates.AddCert(c)
	}
	chains, err := peers[0].Verify(x509.VerifyOptions{
		Roots:         a.Roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("verifying client certificate %q: %w", peers[0].Subject.CommonName, err)
	}
	return chains[0][0], nil
}

// withAuthenticatedGroup returns a copy of groups that also contains
// system:authenticated, which every authenticated user belongs to.
func withAuthenticatedGroup(groups []string) []string {
	out := make([]string, 0, len(groups)+1)
	found := false
	for _, g := range groups {
		if g == SystemAuthenticated {
			found = true
		}
		out = append(out, g)
	}
	if !found {
		out = append(out, SystemAuthenticated)
	}
	return out
}
