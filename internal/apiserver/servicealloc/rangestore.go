package servicealloc

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nauta/nauta/internal/storage"
)

// rangeStore is one range's bitmap in etcd.
type rangeStore struct {
	store      storage.Interface
	key        string
	name       string
	rangeText  string
	size       int
	staticBand int
	log        *slog.Logger
}

// heldError reports the offset that was already held.
type heldError struct{ offset int }

func (e *heldError) Error() string { return fmt.Sprintf("offset %d %s", e.offset, ErrAllocated) }
func (e *heldError) Unwrap() error { return ErrAllocated }

// change is one compare-and-swap transaction on the bitmap.
type change struct {
	// reserve are offsets that must be free and become held.
	reserve []int
	// fresh is the number of free offsets to pick and hold.
	fresh int
	// release are offsets to free.
	release []int
}

func (c change) empty() bool { return len(c.reserve) == 0 && c.fresh == 0 && len(c.release) == 0 }

// apply runs c and returns the fresh offsets picked.
func (r *rangeStore) apply(ctx context.Context, c change) ([]int, error) {
	return r.run(ctx, c, false)
}

// try runs c on the current bitmap without storing the result: what a dry
// run would get.
func (r *rangeStore) try(ctx context.Context, c change) ([]int, error) {
	return r.run(ctx, c, true)
}

func (r *rangeStore) run(ctx context.Context, c change, dryRun bool) ([]int, error) {
	if c.empty() {
		return nil, nil
	}
	var picked []int
	mutate := func(bm bitmap) error {
		picked = picked[:0]
		for _, o := range c.release {
			bm.clear(o)
		}
		for _, o := range c.reserve {
			if bm.has(o) {
				return &heldError{offset: o}
			}
			bm.set(o)
		}
		for k := 0; k < c.fresh; k++ {
			o, ok := bm.next(r.size, r.staticBand)
			if !ok {
				return ErrFull
			}
			bm.set(o)
			picked = append(picked, o)
		}
		return nil
	}
	if dryRun {
		bm, err := r.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		return picked, mutate(bm)
	}
	if err := r.update(ctx, mutate); err != nil {
		return nil, err
	}
	return picked, nil
}

// update reads the bitmap, lets fn change it and writes it back, retrying
// on concurrent writers.
func (r *rangeStore) update(ctx context.Context, fn func(bitmap) error) error {
	out := &corev1.RangeAllocation{}
	return r.store.GuaranteedUpdate(ctx, r.key, out, true, nil, func(cur runtime.Object) (runtime.Object, error) {
		ra := cur.(*corev1.RangeAllocation)
		bm := newBitmap(r.size)
		switch {
		case ra.Range == r.rangeText && len(ra.Data) == len(bm):
			copy(bm, ra.Data)
		case ra.Range != "":
			// The range flag changed: start over; the repair pass that
			// runs before the server serves marks what Services hold.
			r.log.Warn("stored allocation range differs from the configured one; rebuilding",
				"range", r.name, "stored", ra.Range, "configured", r.rangeText)
		}
		if err := fn(bm); err != nil {
			return nil, err
		}
		ra.Name = r.name
		ra.Range = r.rangeText
		ra.Data = bm
		return ra, nil
	})
}

// snapshot returns the stored bitmap (empty when none is stored or the
// range changed).
func (r *rangeStore) snapshot(ctx context.Context) (bitmap, error) {
	ra := &corev1.RangeAllocation{}
	if err := r.store.Get(ctx, r.key, storage.GetOptions{IgnoreNotFound: true}, ra); err != nil {
		return nil, err
	}
	bm := newBitmap(r.size)
	if ra.Range == r.rangeText && len(ra.Data) == len(bm) {
		copy(bm, ra.Data)
	}
	return bm, nil
}
