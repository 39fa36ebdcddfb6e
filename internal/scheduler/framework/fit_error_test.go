package framework

import (
	"testing"
)

func TestFitErrorMessage(t *testing.T) {
	tests := []struct {
		name string
		err  *FitError
		want string
	}{
		{
			name: "histogram sorted",
			err: &FitError{NumAllNodes: 3, Statuses: NodeToStatus{
				"a": NewStatus(Unschedulable, "Insufficient cpu"),
				"b": NewStatus(Unschedulable, "Insufficient cpu"),
				"c": NewStatus(UnschedulableAndUnresolvable, "node(s) had untolerated taint {k: v}"),
			}},
			want: "0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.",
		},
		{
			name: "with the preemption message",
			err: &FitError{NumAllNodes: 1, Statuses: NodeToStatus{"a": NewStatus(Unschedulable, "Insufficient memory")},
				PostFilterMessage: "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
			want: "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	f := &Framework{}
	for _, tc := range []struct{ nodes, want int }{
		{10, 10}, {99, 99}, {100, 100}, {1000, 420}, {5000, 500}, {6000, 300},
	} {
		if got := f.NumFeasibleNodesToFind(tc.nodes); got != tc.want {
			t.Errorf("NumFeasibleNodesToFind(%d) = %d, want %d", tc.nodes, got, tc.want)
		}
	}
}
