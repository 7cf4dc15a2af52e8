package atomixsim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/internal/sim"
)

// Config sets up a World.
type Config struct {
	// Seed fixes every random choice (network and faults).
	Seed uint64
	// Shards is the number of shards (≥ 1).
	Shards int
	// Net configures the links (its Seed is overridden by Seed).
	Net sim.Config
	// FinalityTicks is how long after a block its proofs are ready (≥ 1).
	FinalityTicks uint64
	// RetryTicks is atomix's retransmission timeout; zero means atomix's default.
	RetryTicks uint64
	// EpochTicks, when non-zero, moves every shard to the next epoch that often.
	EpochTicks uint64
	// ReplayPerMille is the chance per tick that the attacker replays a
	// recorded message, as is or repackaged for another session or
	// transaction.
	ReplayPerMille uint32
}

type pendingCert struct {
	vote atomix.Vote
	at   uint64
}

// Node is one shard in the world.
type Node struct {
	ID    atomix.ShardID
	Shard *atomix.Shard
	Store *atomix.MemStore
	inbox []atomix.Message
	certs []pendingCert
	upAt  uint64 // crashed until this tick when non-zero
}

// Event is an outcome applied by a shard at a tick.
type Event struct {
	Tick  uint64
	Shard atomix.ShardID
	atomix.Applied
}

// World is a deterministic simulation of atomix shards.
type World struct {
	cfg      Config
	Certs    *KeyedCerts
	Net      *sim.Network[atomix.Message]
	Nodes    []*Node
	now      uint64
	epoch    uint64
	client   sim.NodeID
	attacker sim.NodeID

	// Events is every outcome applied, in order.
	Events []Event
	// Errors counts Step errors by their atomix sentinel (or "other").
	Errors map[string]int
	// Sent counts protocol messages sent by shards.
	Sent int

	txs      map[common.Hash]atomix.Tx
	sessions map[sessionKey]bool
	objects  map[atomix.ShardID]map[common.Hash]bool
	recorded []atomix.Message
	genesis  uint64
}

type sessionKey struct {
	tx      common.Hash
	attempt uint64
}

// New builds a world of cfg.Shards empty shards.
func New(cfg Config) (*World, error) {
	if cfg.Shards < 1 {
		return nil, fmt.Errorf("atomixsim: %d shards", cfg.Shards)
	}
	if cfg.FinalityTicks == 0 {
		cfg.FinalityTicks = 1
	}
	nc := cfg.Net
	nc.Seed = cfg.Seed
	w := &World{
		cfg: cfg, Certs: NewKeyedCerts(cfg.Seed), Net: sim.New[atomix.Message](nc),
		client: sim.NodeID(cfg.Shards), attacker: sim.NodeID(cfg.Shards + 1),
		Errors: map[string]int{}, txs: map[common.Hash]atomix.Tx{}, sessions: map[sessionKey]bool{},
		objects: map[atomix.ShardID]map[common.Hash]bool{},
	}
	for i := range cfg.Shards {
		n := &Node{ID: atomix.ShardID(i), Store: atomix.NewMemStore()}
		if err := w.boot(n); err != nil {
			return nil, err
		}
		w.Nodes = append(w.Nodes, n)
		w.objects[n.ID] = map[common.Hash]bool{}
	}
	return w, nil
}

func (w *World) boot(n *Node) error {
	s, err := atomix.NewShard(atomix.Config{
		ID: n.ID, Store: n.Store, Epoch: w.epoch, RetryTicks: w.cfg.RetryTicks,
		Verifier: atomix.Verifier{Certs: w.Certs, Proofs: w.Certs},
	})
	n.Shard = s
	return err
}

// Now is the current tick.
func (w *World) Now() uint64 { return w.now }

// Epoch is the current epoch.
func (w *World) Epoch() uint64 { return w.epoch }

// Fund creates a genesis object on shard.
func (w *World) Fund(shard atomix.ShardID, id common.Hash, o atomix.Object) error {
	if err := atomix.PutObject(w.Nodes[shard].Store, id, o); err != nil {
		return err
	}
	w.objects[shard][id] = true
	w.genesis += o.Value
	return nil
}

// Submit has the client send MsgLock for (tx, attempt) to the input shards
// in reach (a client that crashes part-way reaches only some, or none).
func (w *World) Submit(tx atomix.Tx, attempt uint64, reach []atomix.ShardID) {
	w.txs[tx.ID()] = tx
	m := atomix.Message{Type: atomix.MsgLock, Tx: tx, Attempt: attempt}
	for _, s := range reach {
		w.Net.Send(w.client, sim.NodeID(s), m)
	}
	if w.cfg.ReplayPerMille > 0 && len(w.recorded) < 4096 {
		w.recorded = append(w.recorded, m)
	}
}

// Inject delivers m to shard to from the attacker.
func (w *World) Inject(to atomix.ShardID, m atomix.Message) {
	w.Net.Send(w.attacker, sim.NodeID(to), m)
}

// Crash takes a shard's committee leader down for ticks: the shard
// processes nothing and loses its soft state; on restart it resumes from
// its store.
func (w *World) Crash(shard atomix.ShardID, ticks uint64) {
	n := w.Nodes[shard]
	if n.upAt != 0 {
		return
	}
	w.Net.Crash(sim.NodeID(shard))
	n.upAt = w.now + ticks
	n.inbox, n.certs = nil, nil
}

// Step advances the world by one tick: deliveries, one block per shard,
// certificates that became final, epoch changes and the attacker's replays.
func (w *World) Step() error {
	w.now++
	for _, env := range w.Net.DeliverUntil(w.now) {
		if int(env.To) < len(w.Nodes) {
			n := w.Nodes[env.To]
			n.inbox = append(n.inbox, env.Msg)
		}
	}
	if w.cfg.EpochTicks > 0 && w.now%w.cfg.EpochTicks == 0 {
		w.epoch++
	}
	for _, n := range w.Nodes {
		if n.upAt != 0 {
			if w.now < n.upAt {
				continue
			}
			n.upAt = 0
			w.Net.Restart(sim.NodeID(n.ID))
			if err := w.boot(n); err != nil {
				return err
			}
		}
		n.Shard.SetEpoch(w.epoch)
		for _, m := range n.inbox {
			if err := n.Shard.Step(m); err != nil {
				w.Errors[classify(err)]++
			}
		}
		n.inbox = n.inbox[:0]
		n.Shard.Tick()
		if err := w.drain(n); err != nil {
			return err
		}
		keep := n.certs[:0]
		var due []pendingCert
		for _, pc := range n.certs {
			if pc.at <= w.now {
				due = append(due, pc)
			} else {
				keep = append(keep, pc)
			}
		}
		n.certs = keep
		for _, pc := range due {
			if err := n.Shard.Certified(w.Certs.Prove(pc.vote, w.epoch, w.now)); err != nil {
				// A session may finish before a duplicate certification
				// request (epoch change, restart) is served.
				if !errors.Is(err, atomix.ErrUnknownVote) {
					return fmt.Errorf("atomixsim: shard %d certifying its own vote: %w", n.ID, err)
				}
				w.Errors["unknown-vote"]++
			}
		}
		if err := w.drain(n); err != nil {
			return err
		}
	}
	w.replay()
	return nil
}

func (w *World) drain(n *Node) error {
	if !n.Shard.HasReady() {
		return nil
	}
	rd := n.Shard.Ready()
	for _, env := range rd.Messages {
		w.Sent++
		w.Net.Send(sim.NodeID(n.ID), sim.NodeID(env.To), env.Msg)
		if w.cfg.ReplayPerMille > 0 && env.Msg.Type == atomix.MsgProof && len(w.recorded) < 4096 {
			w.recorded = append(w.recorded, env.Msg)
		}
	}
	for _, v := range rd.Certify {
		w.sessions[sessionKey{v.Tx, v.Attempt}] = true
		n.certs = append(n.certs, pendingCert{vote: v, at: w.now + w.cfg.FinalityTicks})
	}
	for _, a := range rd.Applied {
		w.Events = append(w.Events, Event{Tick: w.now, Shard: n.ID, Applied: a})
		if a.Outcome == atomix.Commit {
			tx := w.txs[a.Tx]
			for i, o := range tx.Outputs {
				if o.Shard != n.ID {
					continue
				}
				if o.Kind == atomix.KindCoin {
					w.objects[n.ID][atomix.CoinID(a.Tx, i)] = true
				} else {
					w.objects[n.ID][o.Object] = true
				}
			}
		}
	}
	return nil
}

// replay is the network attacker: it re-sends recorded lock requests and
// proof messages as they were, under another attempt number (a lock
// request so altered starts a new session of the transaction, which must
// never commit it twice), or with the proofs repackaged into a message for
// another transaction.
func (w *World) replay() {
	if w.cfg.ReplayPerMille == 0 || len(w.recorded) == 0 {
		return
	}
	r := w.Net.Rand()
	if r.Uint32N(1000) >= w.cfg.ReplayPerMille {
		return
	}
	m := w.recorded[r.IntN(len(w.recorded))]
	switch r.IntN(3) {
	case 1:
		if r.IntN(2) == 0 || m.Attempt == 1 {
			m.Attempt++
		} else {
			m.Attempt--
		}
	case 2:
		other := w.recorded[r.IntN(len(w.recorded))]
		m.Tx, m.Attempt = other.Tx, other.Attempt
	}
	shards := m.Tx.Shards()
	w.Inject(shards[r.IntN(len(shards))], m)
}

// SetReplay changes the attacker's replay rate (per mille per tick).
func (w *World) SetReplay(perMille uint32) { w.cfg.ReplayPerMille = perMille }

// Quiet reports whether nothing is left to do: no message in flight, no
// crashed shard, no pending certificate and no session tracked.
func (w *World) Quiet() bool {
	if w.Net.Pending() > 0 {
		return false
	}
	for _, n := range w.Nodes {
		if n.upAt != 0 || len(n.certs) > 0 || n.Shard.Sessions() > 0 || len(n.inbox) > 0 {
			return false
		}
	}
	return true
}

// RunUntilQuiet steps until Quiet or max ticks have passed; it reports
// whether the world went quiet.
func (w *World) RunUntilQuiet(max uint64) (bool, error) {
	for end := w.now + max; w.now < end; {
		if w.Quiet() {
			return true, nil
		}
		if err := w.Step(); err != nil {
			return false, err
		}
	}
	return w.Quiet(), nil
}

// Balance is the value an object holds on shard (zero when absent or spent).
func (w *World) Balance(shard atomix.ShardID, id common.Hash) uint64 {
	o, ok, err := atomix.GetObject(w.Nodes[shard].Store, id)
	if err != nil || !ok || o.Status == atomix.Spent {
		return 0
	}
	return o.Value
}

// Outcome is what session (tx, attempt) came to on shard, zero for nothing.
func (w *World) Outcome(shard atomix.ShardID, tx common.Hash, attempt uint64) atomix.Outcome {
	o, _, _ := atomix.GetOutcome(w.Nodes[shard].Store, tx, attempt)
	return o
}

// Committed reports whether tx committed on its lowest input shard, under
// which attempt.
func (w *World) Committed(tx atomix.Tx) (uint64, bool) {
	id := tx.ID()
	for k := range w.sessions {
		if k.tx == id && w.Outcome(tx.Coordinator(), id, k.attempt) == atomix.Commit {
			return k.attempt, true
		}
	}
	return 0, false
}

// Invariant errors.
var (
	// ErrSupply means the live value differs from the funded value.
	ErrSupply = errors.New("atomixsim: total value not conserved")
	// ErrLockLeft means a locked object after the world went quiet.
	ErrLockLeft = errors.New("atomixsim: lock left behind")
	// ErrMixed means a session that committed on one shard and aborted on
	// another, or (when quiet) is undecided on some shard.
	ErrMixed = errors.New("atomixsim: session with mixed outcomes")
	// ErrTwice means a transaction committed under two sessions.
	ErrTwice = errors.New("atomixsim: transaction committed twice")
	// ErrOverdrawn means an account locked for more than it holds.
	ErrOverdrawn = errors.New("atomixsim: lock larger than balance")
	// ErrStepError means a Step error that no input should cause.
	ErrStepError = errors.New("atomixsim: unexpected step error")
)

// Check verifies the invariants. With quiet set (after RunUntilQuiet
// succeeded) it also requires that every session has an outcome on every
// shard of its transaction and that no lock is left.
func (w *World) Check(quiet bool) error {
	var total uint64
	for _, n := range w.Nodes {
		ids := make([]common.Hash, 0, len(w.objects[n.ID]))
		for id := range w.objects[n.ID] {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b common.Hash) int { return a.Cmp(b) })
		for _, id := range ids {
			o, ok, err := atomix.GetObject(n.Store, id)
			if err != nil || !ok {
				return fmt.Errorf("atomixsim: object %s on shard %d: %v", id, n.ID, err)
			}
			if o.Status == atomix.Locked {
				if o.LockAmount > o.Value {
					return fmt.Errorf("%w: %s on shard %d", ErrOverdrawn, id, n.ID)
				}
				if quiet {
					return fmt.Errorf("%w: %s on shard %d by %s", ErrLockLeft, id, n.ID, o.LockTx)
				}
			}
			if o.Status != atomix.Spent {
				total += o.Value
			}
		}
	}
	committed := map[common.Hash]uint64{}
	keys := make([]sessionKey, 0, len(w.sessions))
	for k := range w.sessions {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b sessionKey) int {
		if c := a.tx.Cmp(b.tx); c != 0 {
			return c
		}
		return int(a.attempt) - int(b.attempt)
	})
	for _, k := range keys {
		tx, ok := w.txs[k.tx]
		if !ok {
			return fmt.Errorf("atomixsim: vote on unknown transaction %s", k.tx)
		}
		var seen atomix.Outcome
		missing := false
		for _, s := range tx.Shards() {
			o := w.Outcome(s, k.tx, k.attempt)
			switch {
			case o == 0:
				missing = true
			case seen == 0:
				seen = o
			case seen != o:
				return fmt.Errorf("%w: %s/%d", ErrMixed, k.tx, k.attempt)
			}
		}
		if quiet && missing {
			return fmt.Errorf("%w: %s/%d undecided on some shard", ErrMixed, k.tx, k.attempt)
		}
		if seen == atomix.Commit {
			if a, dup := committed[k.tx]; dup {
				return fmt.Errorf("%w: %s in attempts %d and %d", ErrTwice, k.tx, a, k.attempt)
			}
			committed[k.tx] = k.attempt
		}
	}
	if total != w.genesis {
		return fmt.Errorf("%w: %d, genesis %d", ErrSupply, total, w.genesis)
	}
	for _, bad := range []string{"not-current-lock", "decode", "other"} {
		if w.Errors[bad] > 0 {
			return fmt.Errorf("%w: %d × %s", ErrStepError, w.Errors[bad], bad)
		}
	}
	return nil
}

func classify(err error) string {
	for _, c := range []struct {
		e    error
		name string
	}{
		{atomix.ErrWrongTx, "wrong-tx"}, {atomix.ErrWrongSession, "wrong-session"},
		{atomix.ErrWrongShard, "wrong-shard"}, {atomix.ErrStaleEpoch, "stale-epoch"},
		{atomix.ErrFutureEpoch, "future-epoch"}, {atomix.ErrBadCertificate, "bad-certificate"},
		{atomix.ErrBadMerkleProof, "bad-merkle"}, {atomix.ErrNotInvolved, "not-involved"},
		{atomix.ErrNotCurrentLock, "not-current-lock"}, {atomix.ErrDecode, "decode"},
		{atomix.ErrBadTx, "bad-tx"},
	} {
		if errors.Is(err, c.e) {
			return c.name
		}
	}
	return "other"
}
