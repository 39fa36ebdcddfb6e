package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// ImageLocalityName is the plugin's name.
const ImageLocalityName = "ImageLocality"

// Upstream's thresholds: below 23 MiB an image is not worth moving a pod
// for; 1000 MiB per container saturates the score.
const (
	imageMinThreshold          int64 = 23 * 1024 * 1024
	imageMaxContainerThreshold int64 = 1000 * 1024 * 1024
)

// ImageLocality prefers nodes that already hold the pod's images, scaled
// by how widely each image is spread (so one node does not attract all).
type ImageLocality struct {
	h framework.Handle
}

var (
	_ framework.PreScorePlugin = (*ImageLocality)(nil)
	_ framework.ScorePlugin    = (*ImageLocality)(nil)
)

const imageLocalityKey = "PreScore" + ImageLocalityName

type imageState struct {
	names []string
	// nodes[i] is on how many nodes names[i] is, looked up once per pod
	// rather than once per node scored.
	nodes      []float64
	total      float64
	containers int
}

func (s *imageState) Clone() framework.StateData { return s }

// PreScore normalizes the pod's image names once; Skip when no node
// reports any image.
func (p *ImageLocality) PreScore(_ context.Context, state *framework.CycleState, pod *v1.Pod, _ []*framework.NodeInfo) *framework.Status {
	if len(p.h.Snapshot().ImageNodes) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	snap := p.h.Snapshot()
	s := &imageState{total: float64(snap.NumNodes())}
	for _, cs := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			s.containers++
			name := framework.NormalizeImageName(cs[i].Image)
			s.names = append(s.names, name)
			s.nodes = append(s.nodes, float64(snap.ImageNodes[name]))
		}
	}
	state.Write(imageLocalityKey, s)
	return nil
}

// NewImageLocality builds the plugin.
func NewImageLocality(h framework.Handle) (framework.Plugin, error) {
	return &ImageLocality{h: h}, nil
}

// Name returns the plugin name.
func (*ImageLocality) Name() string { return ImageLocalityName }

// Score sums size*spread of present images and maps it onto [0, 100].
func (p *ImageLocality) Score(_ context.Context, state *framework.CycleState, _ *v1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	d, err := state.Read(imageLocalityKey)
	if err != nil {
		return 0, framework.AsStatus(err)
	}
	is := d.(*imageState)
	var sum int64
	for i, name := range is.names {
		size, ok := ni.ImageSizes[name]
		if !ok || is.total == 0 {
			continue
		}
		sum += int64(float64(size) * is.nodes[i] / is.total)
	}
	maxT := imageMaxContainerThreshold * int64(is.containers)
	switch {
	case sum < imageMinThreshold:
		sum = imageMinThreshold
	case sum > maxT:
		sum = maxT
	}
	if maxT <= imageMinThreshold {
		return 0, nil
	}
	return framework.MaxNodeScore * (sum - imageMinThreshold) / (maxT - imageMinThreshold), nil
}

// ScoreExtensions: scores are already in [0, 100].
func (*ImageLocality) ScoreExtensions() framework.ScoreExtensions { return nil }
