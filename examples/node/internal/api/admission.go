package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/config"
)

// Refusals of admission control: a request over a limit is answered with
// one of these before its body is read, and changes nothing.
var (
	// ErrRateLimited means a token bucket (node-wide or the client's) is
	// empty: 429, code rate_limited, with Retry-After.
	ErrRateLimited = errors.New("api: rate limited")
	// ErrOverloaded means the most POST /tx handlers are already running:
	// 503, code overloaded, with Retry-After.
	ErrOverloaded = errors.New("api: too many requests in flight")
)

// Pressure is what adaptive admission reads from the node, at most once a
// second: how many transactions it has finalized so far, and whether a
// shard pool is nearly full.
type Pressure func() (finalized uint64, saturated bool)

// maxClients bounds the per-client buckets kept; beyond it, idle buckets
// (full again) are dropped, and if none is idle the newcomers share one.
const maxClients = 4096

// admission is the node's admission control of POST /tx (see
// config.Admission); a part whose limit is -1 is off.
type admission struct {
	cfg      config.Admission
	pressure Pressure
	now      func() time.Time

	slots chan struct{} // nil: no bound on handlers in flight

	mu      sync.Mutex
	global  bucket
	clients map[string]*bucket
	// adaptation state
	sampled   time.Time
	finalized uint64
	drain     float64 // finalized tx/s, smoothed
	saturated bool
}

// bucket is a token bucket holding at most one second of its rate.
type bucket struct {
	tokens float64
	last   time.Time
}

// take refills b at rate per second up to rate and takes one token.
func (b *bucket) take(now time.Time, rate float64) bool {
	if b.last.IsZero() {
		b.tokens = rate
	} else if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(rate, b.tokens+dt*rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// full reports whether b would be full at now: an idle client.
func (b *bucket) full(now time.Time, rate float64) bool {
	return b.tokens+now.Sub(b.last).Seconds()*rate >= rate
}

func newAdmission(cfg config.Admission, p Pressure, now func() time.Time) *admission {
	a := &admission{cfg: cfg, pressure: p, now: now, clients: map[string]*bucket{}}
	if cfg.MaxInFlight > 0 {
		a.slots = make(chan struct{}, cfg.MaxInFlight)
	}
	return a
}

// rate is the node-wide rate now (requests per second; 0: unlimited).
// Called with a.mu held; samples the node's pressure at most once a second.
func (a *admission) rate(now time.Time) float64 {
	if a.cfg.Rate <= 0 {
		return 0
	}
	if a.cfg.DrainFactor > 0 && a.pressure != nil && now.Sub(a.sampled) >= time.Second {
		f, sat := a.pressure()
		if !a.sampled.IsZero() && f >= a.finalized {
			perSec := float64(f-a.finalized) / now.Sub(a.sampled).Seconds()
			// Smooth over a few seconds: blocks arrive in bursts.
			a.drain = 0.5*a.drain + 0.5*perSec
		}
		a.sampled, a.finalized, a.saturated = now, f, sat
	}
	if a.saturated && a.cfg.DrainFactor > 0 {
		return min(float64(a.cfg.Rate), max(float64(a.cfg.MinRate), a.cfg.DrainFactor*a.drain))
	}
	return float64(a.cfg.Rate)
}

// admit takes a token from the client's bucket and the node-wide one, or
// returns ErrRateLimited and takes none.
func (a *admission) admit(client string) error {
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	var cb *bucket
	if a.cfg.ClientRate > 0 {
		cb = a.client(client, now)
		if !cb.take(now, float64(a.cfg.ClientRate)) {
			return fmt.Errorf("%w: client %s above %d requests/s", ErrRateLimited, client, a.cfg.ClientRate)
		}
	}
	if r := a.rate(now); r > 0 && !a.global.take(now, r) {
		if cb != nil {
			cb.tokens++ // not admitted: the client keeps its token
		}
		return fmt.Errorf("%w: node admits %.0f requests/s now", ErrRateLimited, r)
	}
	return nil
}

// client returns the bucket of client, creating it; a.mu is held.
func (a *admission) client(c string, now time.Time) *bucket {
	if b, ok := a.clients[c]; ok {
		return b
	}
	if len(a.clients) >= maxClients {
		for k, b := range a.clients {
			if b.full(now, float64(a.cfg.ClientRate)) {
				delete(a.clients, k)
			}
		}
		if len(a.clients) >= maxClients {
			c = "" // every slot busy: the newcomers share one bucket
			if b, ok := a.clients[c]; ok {
				return b
			}
		}
	}
	b := &bucket{}
	a.clients[c] = b
	return b
}

// enter reserves a handler slot, or returns ErrOverloaded; leave frees it.
func (a *admission) enter() error {
	if a.slots == nil {
		return nil
	}
	select {
	case a.slots <- struct{}{}:
		return nil
	default:
		return fmt.Errorf("%w: %d requests already in flight", ErrOverloaded, a.cfg.MaxInFlight)
	}
}

func (a *admission) leave() {
	if a.slots != nil {
		<-a.slots
	}
}

// clientOf is the remote IP of r (the port differs per connection).
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// guard wraps a POST /tx handler with admission control: a request over a
// limit is refused before its body is read.
func (a *admission) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.admit(clientOf(r)); err != nil {
			w.Header().Set("Retry-After", "1")
			writeErr(w, http.StatusTooManyRequests, "rate_limited", err)
			return
		}
		if err := a.enter(); err != nil {
			w.Header().Set("Retry-After", "1")
			writeErr(w, http.StatusServiceUnavailable, "overloaded", err)
			return
		}
		defer a.leave()
		next(w, r)
	}
}
