package des

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Dist is a distribution of durations (a link's one-way latency, say).
// Sample must draw only from r, so a run stays reproducible.
type Dist interface {
	Sample(r *rand.Rand) time.Duration
	String() string
}

// Constant is a distribution with a single value.
type Constant time.Duration

// Sample returns the constant.
func (c Constant) Sample(*rand.Rand) time.Duration { return time.Duration(c) }

// String describes the distribution.
func (c Constant) String() string { return fmt.Sprintf("const(%v)", time.Duration(c)) }

// Uniform draws uniformly from [Min, Max].
type Uniform struct {
	// Min and Max bound the draws (inclusive).
	Min, Max time.Duration
}

// Sample draws one value.
func (u Uniform) Sample(r *rand.Rand) time.Duration {
	if u.Max <= u.Min {
		return u.Min
	}
	return u.Min + time.Duration(r.Int64N(int64(u.Max-u.Min)+1))
}

// String describes the distribution.
func (u Uniform) String() string { return fmt.Sprintf("uniform(%v,%v)", u.Min, u.Max) }

// LogNormal is Min plus a log-normal variable with the given median and shape
// Sigma: the usual model of wide-area latency, a floor set by distance and a
// long tail from queueing. Sigma 0 is the constant Min+Median.
type LogNormal struct {
	// Min is the floor added to every draw; Median the log-normal part's
	// median.
	Min, Median time.Duration
	// Sigma is the shape: the standard deviation of the underlying normal.
	Sigma float64
}

// Sample draws one value.
func (l LogNormal) Sample(r *rand.Rand) time.Duration {
	v := float64(l.Median) * math.Exp(l.Sigma*r.NormFloat64())
	return l.Min + time.Duration(v)
}

// String describes the distribution.
func (l LogNormal) String() string {
	return fmt.Sprintf("lognormal(min=%v,median=%v,sigma=%g)", l.Min, l.Median, l.Sigma)
}
