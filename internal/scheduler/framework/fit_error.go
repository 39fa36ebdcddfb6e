package framework

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// ErrNoNodesAvailable is upstream's error when the cluster has no nodes.
var ErrNoNodesAvailable = errors.New("no nodes available to schedule pods")

// FitError says why no node fits a pod.
type FitError struct {
	Pod         *v1.Pod
	NumAllNodes int
	Statuses    NodeToStatus
	// PostFilterMessage is what preemption said, appended to the message.
	PostFilterMessage string
}

// Error renders upstream's summary: "0/3 nodes are available: 2
// Insufficient cpu, 1 node(s) had untolerated taint {k: v}." followed by
// the preemption message.
func (e *FitError) Error() string {
	counts := map[string]int{}
	for _, s := range e.Statuses {
		for _, r := range s.Reasons() {
			counts[r]++
		}
	}
	var parts []string
	for r, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c, r))
	}
	sort.Strings(parts)
	msg := fmt.Sprintf("0/%d nodes are available", e.NumAllNodes)
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	msg += "."
	if e.PostFilterMessage != "" {
		msg += " " + e.PostFilterMessage
	}
	return msg
}
