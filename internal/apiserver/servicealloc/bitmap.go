package servicealloc

import (
	"math/rand/v2"
)

// bitmap is the allocation state of a range: bit i set means offset i is
// held. It is the Data of the stored RangeAllocation.
type bitmap []byte

func newBitmap(size int) bitmap { return make(bitmap, (size+7)/8) }

func (b bitmap) has(i int) bool { return b[i/8]&(1<<(i%8)) != 0 }
func (b bitmap) set(i int)      { b[i/8] |= 1 << (i % 8) }
func (b bitmap) clear(i int)    { b[i/8] &^= 1 << (i % 8) }

// count returns the number of held offsets.
func (b bitmap) count() int {
	n := 0
	for _, c := range b {
		for ; c != 0; c &= c - 1 {
			n++
		}
	}
	return n
}

// next picks a free offset: a random one above the static band first,
// scanning forward from a random start, then the static band. It returns
// false when everything is held.
func (b bitmap) next(size, staticBand int) (int, bool) {
	if i, ok := b.scan(staticBand, size); ok {
		return i, true
	}
	return b.scan(0, staticBand)
}

// scan looks for a free offset in [lo, hi), starting at a random point.
func (b bitmap) scan(lo, hi int) (int, bool) {
	n := hi - lo
	if n <= 0 {
		return 0, false
	}
	start := rand.IntN(n)
	for k := 0; k < n; k++ {
		i := lo + (start+k)%n
		if !b.has(i) {
			return i, true
		}
	}
	return 0, false
}
