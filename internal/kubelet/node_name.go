package kubelet

// NodeName returns the name of the Node this kubelet registers (the
// configured one, or the lower-cased host name).
func (k *Kubelet) NodeName() string { return k.cfg.NodeName }
