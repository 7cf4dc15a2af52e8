package loadgen

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"golang.org/x/sync/errgroup"
)

// RecoveryRate measures secp256k1 public-key recoveries per second over d
// with workers goroutines (≤ 0: one per CPU) — the same check a node makes
// for every transaction.
func RecoveryRate(d time.Duration, workers int) (float64, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	t, err := txn.Sign(txn.Unsigned{ChainID: 1, Amount: 1, To: common.Address{1}}, chain.DemoKey(0))
	if err != nil {
		return 0, err
	}
	hash, sig := t.SigningHash(), t.Sig[:]
	var n atomic.Int64
	var g errgroup.Group
	start := time.Now()
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			for time.Since(start) < d {
				for i := 0; i < 64; i++ {
					if _, err := txn.Recover(hash, sig); err != nil {
						return err
					}
				}
				n.Add(64)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// Options configure a load run against a node's API.
type Options struct {
	Client   *client.Client
	Keys     []*ecdsa.PrivateKey
	ChainID  uint64
	Shards   uint32
	Rate     int           // offered transfers per second
	Duration time.Duration // how long to offer load
	CrossPct int           // share of cross-shard transfers, percent
	Workers  int           // concurrent submitters (default 8)
	Progress io.Writer     // one line per second; nil: silent
	// SampleEvery: every n-th accepted transfer's latency is measured.
	SampleEvery int
	// RecoveryFor is how long to measure the recovery rate (default 3s).
	RecoveryFor time.Duration
}

// Report is the outcome of a load run.
type Report struct {
	RecoveryPerSec float64
	Offered        int
	Accepted       int
	Refused        map[string]int
	// FinalizedInWindow is what the node finalized while load was offered;
	// FinalPerSec is that over Window: the sustained finalized rate.
	FinalizedInWindow uint64
	Window            time.Duration
	FinalPerSec       float64
	Ratio             float64 // FinalPerSec / RecoveryPerSec
	// Finalized counts up to the end of the drain (at most 30 s more).
	Finalized     uint64
	Elapsed       time.Duration
	Samples       int
	OptimisticP50 time.Duration
	OptimisticP99 time.Duration
	FinalP50      time.Duration
	FinalP99      time.Duration
}

// String formats the report for people.
func (r Report) String() string {
	return fmt.Sprintf(
		"secp256k1 recovery: %.0f/s\noffered %d, accepted %d, refused %v\nfinalized during the %s load window: %d = %.1f tx/s (%.4f of the recovery rate)\nfinalized after drain: %d of %d accepted, %s after start\nlatency over %d samples: optimistic p50 %s p99 %s, final p50 %s p99 %s",
		r.RecoveryPerSec, r.Offered, r.Accepted, r.Refused, r.Window.Round(time.Millisecond), r.FinalizedInWindow, r.FinalPerSec, r.Ratio,
		r.Finalized, r.Accepted, r.Elapsed.Round(time.Millisecond),
		r.Samples, r.OptimisticP50.Round(time.Millisecond), r.OptimisticP99.Round(time.Millisecond), r.FinalP50.Round(time.Millisecond), r.FinalP99.Round(time.Millisecond))
}

// Run measures the recovery rate, then offers load for Duration and waits
// (up to 30 s) for the accepted transfers to finalize. Finalized counts
// what the node finalized over the run, so run it against a node without
// other load.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.SampleEvery <= 0 {
		o.SampleEvery = 10
	}
	if o.RecoveryFor <= 0 {
		o.RecoveryFor = 3 * time.Second
	}
	if o.Rate <= 0 || o.Duration <= 0 {
		return Report{}, errors.New("loadgen: rate and duration must be positive")
	}
	rep := Report{Refused: map[string]int{}}
	var err error
	if rep.RecoveryPerSec, err = RecoveryRate(o.RecoveryFor, 0); err != nil {
		return rep, err
	}
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "secp256k1 recovery rate: %.0f/s on %d cores\n", rep.RecoveryPerSec, runtime.NumCPU())
	}
	gen, err := New(o.ChainID, o.Shards, o.Keys, o.CrossPct, uint64(time.Now().UnixNano()))
	if err != nil {
		return rep, err
	}
	for _, a := range gen.Accounts() {
		acct, err := o.Client.Account(ctx, a.Addr)
		if err != nil {
			return rep, fmt.Errorf("loadgen: account %s: %w", a.Addr, err)
		}
		gen.SetNonce(a.Addr, acct.Nonce)
	}
	st0, err := o.Client.Status(ctx)
	if err != nil {
		return rep, err
	}

	var (
		mu       sync.Mutex
		samples  []common.Hash
		offered  atomic.Int64
		accepted atomic.Int64
	)
	jobs := make(chan struct{}, o.Workers)
	lctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	start := time.Now()
	g, gctx := errgroup.WithContext(lctx)
	g.Go(func() error { // pacer: offers Rate jobs a second until Duration
		defer close(jobs)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		sent := 0
		for {
			select {
			case <-gctx.Done():
				return nil
			case now := <-t.C:
				due := int(now.Sub(start).Seconds() * float64(o.Rate))
				for ; sent < due; sent++ {
					select {
					case jobs <- struct{}{}:
					default: // submitters are behind: the offered load is capped by them
					}
				}
			}
		}
	})
	// Submitters finish the request they are in when the time is up (they
	// use ctx, not gctx), so every transfer the node accepted is counted.
	var wg errgroup.Group
	for w := 0; w < o.Workers; w++ {
		wg.Go(func() error {
			for range jobs {
				if lctx.Err() != nil {
					return nil // time is up: no new submissions
				}
				t, err := gen.Next(1 + uint64(offered.Add(1))%1000)
				if err != nil {
					return err
				}
				err = submit(ctx, lctx, o.Client, t, func(code string) {
					mu.Lock()
					rep.Refused[code]++
					mu.Unlock()
				})
				var ae *client.APIError
				switch {
				case lctx.Err() != nil && err != nil:
					return nil // time is up while waiting to offer it again
				case err == nil:
					if n := accepted.Add(1); n%int64(o.SampleEvery) == 0 {
						mu.Lock()
						samples = append(samples, t.Hash())
						mu.Unlock()
					}
				case errors.As(err, &ae):
					mu.Lock()
					rep.Refused[ae.Code]++
					mu.Unlock()
					if ae.Code == "nonce_gap" {
						// Its predecessor never got in: start again from the
						// ledger. (After nonce_taken or replay the nonce is
						// spoken for: go on after it.)
						if acct, err := o.Client.Account(ctx, t.From()); err == nil {
							gen.SetNonce(t.From(), acct.Nonce)
						}
					}
				default:
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error { // progress
		if o.Progress == nil {
			return nil
		}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-t.C:
				st, err := o.Client.Status(gctx)
				if err != nil {
					continue
				}
				fmt.Fprintf(o.Progress, "%4.0fs offered %d accepted %d finalized %d (%.0f tx/s)\n",
					time.Since(start).Seconds(), offered.Load(), accepted.Load(), st.FinalTxs-st0.FinalTxs, st.TxPerSecond)
			}
		}
	})
	if err := g.Wait(); err != nil {
		return rep, err
	}
	if err := wg.Wait(); err != nil {
		return rep, err
	}
	rep.Offered, rep.Accepted = int(offered.Load()), int(accepted.Load())
	stw, err := o.Client.Status(ctx)
	if err != nil {
		return rep, err
	}
	rep.Window = time.Since(start)
	rep.FinalizedInWindow = stw.FinalTxs - st0.FinalTxs
	rep.FinalPerSec = float64(rep.FinalizedInWindow) / rep.Window.Seconds()
	if rep.RecoveryPerSec > 0 {
		rep.Ratio = rep.FinalPerSec / rep.RecoveryPerSec
	}

	// Drain: wait until everything accepted is final, or 30 s.
	deadline := time.Now().Add(30 * time.Second)
	var st1 = st0
	for time.Now().Before(deadline) {
		if st1, err = o.Client.Status(ctx); err != nil {
			return rep, err
		}
		if st1.FinalTxs-st0.FinalTxs >= uint64(rep.Accepted) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	rep.Elapsed = time.Since(start)
	rep.Finalized = st1.FinalTxs - st0.FinalTxs
	var opt, fin []time.Duration
	for _, h := range samples {
		s, err := o.Client.Tx(ctx, h)
		if err != nil || s.Final.IsZero() {
			continue
		}
		opt = append(opt, s.Optimistic.Sub(s.Submitted))
		fin = append(fin, s.Final.Sub(s.Submitted))
	}
	rep.Samples = len(fin)
	rep.OptimisticP50, rep.OptimisticP99 = Percentile(opt, 50), Percentile(opt, 99)
	rep.FinalP50, rep.FinalP99 = Percentile(fin, 50), Percentile(fin, 99)
	return rep, nil
}

// transient are the refusals that say "not now" rather than "never": the
// same signed transaction is offered again after a pause, as a wallet
// would, instead of signing another at its nonce (which the pool, holding
// or about to hold the first, would refuse as nonce_taken).
var transient = map[string]bool{"rate_limited": true, "overloaded": true, "pool_full": true, "sender_limit": true}

// submit offers t until it is accepted or refused for good, or window
// ends; each transient refusal is counted through refused, then waited out
// (10 ms, doubling up to 640 ms). A request already sent runs under ctx,
// so that one the node accepts is counted as accepted.
func submit(ctx, window context.Context, c *client.Client, t *txn.Tx, refused func(code string)) error {
	pause := 10 * time.Millisecond
	for {
		_, err := c.Submit(ctx, t)
		var ae *client.APIError
		if !errors.As(err, &ae) || !transient[ae.Code] {
			return err
		}
		refused(ae.Code)
		select {
		case <-window.Done():
			return window.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 640*time.Millisecond)
	}
}

// Percentile returns the p-th percentile (nearest rank) of ds, or 0.
func Percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := (p*len(s) + 99) / 100
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}
