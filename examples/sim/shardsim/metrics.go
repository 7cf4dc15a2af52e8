package shardsim

import (
	"math"
	"time"
)

// Histogram records durations in logarithmic buckets (about 2% wide), with
// an exact count, sum and maximum. It is deterministic: the same samples in
// the same order give the same histogram.
type Histogram struct {
	counts map[int]uint64
	n      uint64
	sum    float64
	max    time.Duration
}

const bucketsPerDecade = 100

func bucketOf(d time.Duration) int {
	if d < time.Microsecond {
		return 0
	}
	return int(math.Log10(float64(d)/float64(time.Microsecond))*bucketsPerDecade) + 1
}

func bucketUpper(b int) time.Duration {
	if b == 0 {
		return time.Microsecond
	}
	return time.Duration(math.Pow(10, float64(b)/bucketsPerDecade) * float64(time.Microsecond))
}

// Add records n samples of duration d.
func (h *Histogram) Add(d time.Duration, n int) {
	if n <= 0 {
		return
	}
	if h.counts == nil {
		h.counts = make(map[int]uint64)
	}
	h.counts[bucketOf(d)] += uint64(n)
	h.n += uint64(n)
	h.sum += float64(d) * float64(n)
	h.max = max(h.max, d)
}

// Count is the number of samples.
func (h *Histogram) Count() uint64 { return h.n }

// Mean is the exact mean, zero without samples.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Max is the largest sample.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the upper bound of the bucket holding quantile q in
// [0, 1], capped at Max; zero without samples.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	lo, hi := math.MaxInt, 0
	for b := range h.counts {
		lo, hi = min(lo, b), max(hi, b)
	}
	target := uint64(math.Ceil(q * float64(h.n)))
	var seen uint64
	for b := lo; b <= hi; b++ {
		seen += h.counts[b]
		if seen >= max(target, 1) {
			return min(bucketUpper(b), h.max)
		}
	}
	return h.max
}

// LatencyStats summarises a Histogram in milliseconds for output.
type LatencyStats struct {
	// Count is the number of transfers measured.
	Count uint64 `json:"count"`
	// MeanMS is the mean latency.
	MeanMS float64 `json:"mean_ms"`
	// P50MS is the median (a bucket's upper bound; buckets are 2% wide).
	P50MS float64 `json:"p50_ms"`
	// P99MS is the 99th percentile, likewise.
	P99MS float64 `json:"p99_ms"`
	// MaxMS is the largest latency.
	MaxMS float64 `json:"max_ms"`
}

// Stats returns the summary of h.
func (h *Histogram) Stats() LatencyStats {
	ms := func(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }
	return LatencyStats{Count: h.n, MeanMS: ms(h.Mean()), P50MS: ms(h.Quantile(0.5)), P99MS: ms(h.Quantile(0.99)), MaxMS: ms(h.max)}
}

// round3 keeps three decimals, so printed results do not carry float noise.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
