package nodelifecycle

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
)

// podsByNodeIndex indexes pods by spec.nodeName; the name is this
// package's own so it cannot clash with other controllers' indexers.
const podsByNodeIndex = "nodelifecycle.nauta.io/node-name"

// indexPodsByNode adds podsByNodeIndex to the shared pod informer unless
// the other controller of this package already did.
func indexPodsByNode(informer cache.SharedIndexInformer) error {
	if _, ok := informer.GetIndexer().GetIndexers()[podsByNodeIndex]; ok {
		return nil
	}
	err := informer.AddIndexers(cache.Indexers{podsByNodeIndex: func(obj any) ([]string, error) {
		if pod, ok := obj.(*v1.Pod); ok && pod.Spec.NodeName != "" {
			return []string{pod.Spec.NodeName}, nil
		}
		return nil, nil
	}})
	if err != nil {
		return fmt.Errorf("add pod indexer: %w", err)
	}
	return nil
}
