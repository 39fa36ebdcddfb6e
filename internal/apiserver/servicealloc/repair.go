package servicealloc

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/nauta/nauta/internal/storage"
)

// Start runs the repair pass every RepairInterval until ctx ends. Run
// Repair once before serving so that the bitmaps match the Services.
func (a *Allocator) Start(ctx context.Context) error {
	t := time.NewTicker(a.cfg.RepairInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := a.Repair(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("service allocation repair failed", "err", err)
			}
		}
	}
}

// Repair reconciles both bitmaps with the stored Services: values a
// Service holds are marked; values no Service holds are freed after
// leakRounds passes in a row have seen them unused.
func (a *Allocator) Repair(ctx context.Context) error {
	list := &corev1.ServiceList{}
	err := a.cfg.Store.GetList(ctx, a.cfg.ServicesPrefix+"/", storage.ListOptions{
		Recursive: true,
		Predicate: storage.SelectionPredicate{Label: labels.Everything(), Field: fields.Everything()},
	}, list)
	if err != nil {
		return fmt.Errorf("listing services: %w", err)
	}
	usedIPs, usedPorts := map[int]bool{}, map[int]bool{}
	for i := range list.Items {
		c := a.claimsOf(&list.Items[i])
		for _, o := range c.ips {
			usedIPs[o] = true
		}
		for _, o := range c.ports {
			usedPorts[o] = true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ipLeaks, err = a.repairRange(ctx, a.ipBM, usedIPs, a.ipLeaks, func(o int) string { return a.ips.Addr(o).String() }); err != nil {
		return err
	}
	a.ptLeaks, err = a.repairRange(ctx, a.ptBM, usedPorts, a.ptLeaks, func(o int) string { return fmt.Sprint(a.ports.Port(o)) })
	return err
}

func (a *Allocator) repairRange(ctx context.Context, r *rangeStore, used map[int]bool, leaks map[int]int,
	name func(int) string) (map[int]int, error) {
	var next map[int]int
	var marked, freed []string
	err := r.update(ctx, func(bm bitmap) error {
		next, marked, freed = map[int]int{}, nil, nil
		for o := range used {
			if o < r.size && !bm.has(o) {
				bm.set(o)
				marked = append(marked, name(o))
			}
		}
		for o := 0; o < r.size; o++ {
			if !bm.has(o) || used[o] {
				continue
			}
			if n := leaks[o] + 1; n >= leakRounds {
				bm.clear(o)
				freed = append(freed, name(o))
			} else {
				next[o] = n
			}
		}
		return nil
	})
	if err != nil {
		return leaks, fmt.Errorf("repairing %s: %w", r.name, err)
	}
	if len(marked) > 0 {
		a.log.Warn("values held by services were not marked allocated; marked them", "range", r.name, "values", marked)
	}
	if len(freed) > 0 {
		a.log.Info("freed values no service holds", "range", r.name, "values", freed)
	}
	return next, nil
}
