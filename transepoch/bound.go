package transepoch

import "math/bits"

// BatchSize is the whitepaper's k = log(n/m) read with n/m as the shard
// size s: ⌊log₂ s⌋, and at least 1.
func BatchSize(s int) int {
	if s < 2 {
		return 1
	}
	return bits.Len(uint(s)) - 1
}

// FaultyWeight is ⌊β·w⌋, the most weight the faulty bound β lets be
// Byzantine, crashed or departed in a committee of total weight w.
func FaultyWeight(w uint64, beta Fraction) uint64 {
	hi, lo := bits.Mul64(w, beta.Num)
	q, _ := bits.Div64(hi, lo, beta.Den) // hi < Den because Num < Den
	return q
}

// Headroom is the most weight a committee of total weight w can carry in
// members that do not vote (newcomers still syncing) while up to ⌊β·w⌋ more
// are faulty, and still have more than 2/3 of w honest and synced:
// the largest u with 3·(u + ⌊β·w⌋) < w. ok is false when even u = 0 fails
// (w = 0, or β·w already reaches a third).
func Headroom(w uint64, beta Fraction) (u uint64, ok bool) {
	if w == 0 {
		return 0, false
	}
	limit := (w - 1) / 3 // 3x < w  ⇔  x ≤ ⌊(w−1)/3⌋
	f := FaultyWeight(w, beta)
	if f > limit {
		return 0, false
	}
	return limit - f, true
}

// Safe reports whether a committee of total weight w with unsynced weight u
// keeps more than 2/3 of its weight honest and synced when β of it is
// faulty: 3·(u + ⌊β·w⌋) < w.
func Safe(w, u uint64, beta Fraction) bool {
	h, ok := Headroom(w, beta)
	return ok && u <= h
}

// Live reports the consensus condition itself: live weight strictly above
// two thirds of total weight.
func Live(live, total uint64) bool {
	hi, lo := bits.Mul64(live, 3)
	thi, tlo := bits.Mul64(total, 2)
	return hi > thi || (hi == thi && lo > tlo)
}
