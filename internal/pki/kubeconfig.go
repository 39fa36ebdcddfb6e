package pki

import (
	"fmt"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeconfigName is the cluster, user and context name in kubeconfigs
// Nauta writes (the same single name k3s uses, so tools that expect it work).
const KubeconfigName = "default"

// Kubeconfig returns a client configuration for server that trusts caPEM
// and authenticates with the client pair, all embedded.
func Kubeconfig(server string, caPEM []byte, client KeyPair) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[KubeconfigName] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[KubeconfigName] = &clientcmdapi.AuthInfo{
		ClientCertificateData: client.CertPEM,
		ClientKeyData:         client.KeyPEM,
	}
	cfg.Contexts[KubeconfigName] = &clientcmdapi.Context{
		Cluster:  KubeconfigName,
		AuthInfo: KubeconfigName,
	}
	cfg.CurrentContext = KubeconfigName
	return cfg
}

// WriteKubeconfig writes cfg to path with mode 0600 (it holds a private key).
func WriteKubeconfig(path string, cfg *clientcmdapi.Config) error {
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return fmt.Errorf("encode kubeconfig: %w", err)
	}
	return writeFileAtomic(path, data, keyFileMode)
}
