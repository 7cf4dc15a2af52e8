package des

import (
	"container/heap"
	"math/rand/v2"
	"time"
)

// Sim is a discrete-event scheduler over virtual time. It is not safe for
// concurrent use: one goroutine drives a simulation.
type Sim struct {
	now       time.Duration
	seq       uint64
	queue     eventQueue
	rng       *rand.Rand
	processed uint64
}

type event struct {
	at  time.Duration
	seq uint64
	fn  func()
}

// eventQueue orders events by time, then by scheduling order, so equal-time
// events never depend on heap internals.
type eventQueue []event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = event{}
	*q = old[:len(old)-1]
	return e
}

// New returns a scheduler at time zero whose generator is seeded by seed.
func New(seed uint64) *Sim {
	return &Sim{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Now is the current virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// Rand is the simulation's only source of randomness. Models draw from it in
// event order, which is deterministic.
func (s *Sim) Rand() *rand.Rand { return s.rng }

// At schedules fn at virtual time t; a time in the past means now.
func (s *Sim) At(t time.Duration, fn func()) {
	if t < s.now {
		t = s.now
	}
	s.seq++
	heap.Push(&s.queue, event{at: t, seq: s.seq, fn: fn})
}

// After schedules fn d after now.
func (s *Sim) After(d time.Duration, fn func()) { s.At(s.now+d, fn) }

// Every calls fn at now+period, now+2·period, … until fn returns false.
func (s *Sim) Every(period time.Duration, fn func() bool) {
	if period <= 0 {
		panic("des: Every needs a positive period")
	}
	var tick func()
	tick = func() {
		if fn() {
			s.After(period, tick)
		}
	}
	s.After(period, tick)
}

// Step runs the next event, if any, and reports whether it ran one.
func (s *Sim) Step() bool {
	if len(s.queue) == 0 {
		return false
	}
	e := heap.Pop(&s.queue).(event)
	s.now = e.at
	s.processed++
	e.fn()
	return true
}

// RunUntil runs every event due at or before end, then sets the clock to end.
// Events scheduled later stay queued, so a run can be continued.
func (s *Sim) RunUntil(end time.Duration) {
	for len(s.queue) > 0 && s.queue[0].at <= end {
		s.Step()
	}
	if end > s.now {
		s.now = end
	}
}

// Pending is the number of queued events.
func (s *Sim) Pending() int { return len(s.queue) }

// Processed is the number of events run so far.
func (s *Sim) Processed() uint64 { return s.processed }
