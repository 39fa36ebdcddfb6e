package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	"github.com/nauta/nauta/internal/scheduler/framework"
)

// maxNormalizer scales scores so that the highest becomes MaxNodeScore.
type maxNormalizer struct{ reverse bool }

func (n maxNormalizer) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *v1.Pod, scores framework.NodeScoreList) *framework.Status {
	defaultNormalizeScore(framework.MaxNodeScore, n.reverse, scores)
	return nil
}

// defaultNormalizeScore is upstream's helper: scale by the highest score
// to [0, max], optionally reversed (max - score).
func defaultNormalizeScore(max int64, reverse bool, scores framework.NodeScoreList) {
	var highest int64
	for _, s := range scores {
		if s.Score > highest {
			highest = s.Score
		}
	}
	if highest == 0 {
		if reverse {
			for i := range scores {
				scores[i].Score = max
			}
		}
		return
	}
	for i := range scores {
		s := max * scores[i].Score / highest
		if reverse {
			s = max - s
		}
		scores[i].Score = s
	}
}

// minMaxNormalize maps [min, max] of the raw scores linearly onto [0, 100].
func minMaxNormalize(scores framework.NodeScoreList) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0].Score, scores[0].Score
	for _, s := range scores {
		lo = min(lo, s.Score)
		hi = max(hi, s.Score)
	}
	for i := range scores {
		if hi == lo {
			scores[i].Score = 0
			continue
		}
		scores[i].Score = framework.MaxNodeScore * (scores[i].Score - lo) / (hi - lo)
	}
}
