package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/pob"
)

// replica is one validator's engine for the current epoch of a shard. In
// the local network every member of every shard is a replica in this
// process; in network mode there is one, a member or an observer.
type replica struct {
	self  common.Address
	eng   pob.Engine
	inbox []pob.Message
}

// runner drives one shard: its engines, the execution of what they
// finalize, and its epoch changes. Only its own goroutine touches it,
// except enqueue.
type runner struct {
	n     *Node
	shard *chain.Shard
	s     uint32

	mu    sync.Mutex
	netIn []pob.Message

	epoch     uint64
	segs      []segment // the epoch's committees
	seg       int       // the running one
	domain    uint64    // pob's domain epoch of the running committee
	start     uint64    // first height of the running committee
	end       uint64    // last height of the running committee
	leagues   pob.Leagues
	replicas  []*replica
	byAddr    map[common.Address]*replica
	queued    uint64 // highest height handed to execution
	waiting   []pob.Commit
	seenOpt   map[common.Hash]bool
	lastHint  uint64 // highest height a peer claimed
	boundary  bool   // the committee's last block is committed: switch when possible
	waitEpoch bool   // no engines yet: the epoch's randomness is not known
	att       *attestor
	flight    *flight // transactions in blocks not executed yet, for the proposers
	resumed   bool    // the atomix sessions pending at start are handed on

	msbSeen    uint64                       // latest Micro State Block number seen
	msbHeaders map[uint64]microstate.Header // MSBs awaiting their attestation
	syncTried  time.Time                    // last fast-sync attempt
	checkedAt  uint64                       // committed height at the last catch-up check
	waitLogged uint64                       // last height logged as waiting for a beacon round
}

// epochOf is the epoch of height h (h ≥ 1): epoch e covers heights
// e·L+1 … (e+1)·L.
func (n *Node) epochOf(h uint64) uint64 { return (h - 1) / n.cfg.EpochBlocks }

func newRunner(n *Node, sh *chain.Shard) (*runner, error) {
	r := &runner{n: n, shard: sh, s: sh.Exec.Shard, seenOpt: map[common.Hash]bool{}, att: newAttestor(), flight: newFlight(),
		msbHeaders: map[uint64]microstate.Header{}}
	err := r.enterEpoch(n.epochOf(sh.Height() + 1))
	if errors.Is(err, errNoRandomness) {
		// Restarted in an epoch whose beacon round this process has not
		// recovered yet: wait for peers' partials (tick retries).
		r.waitEpoch, err = true, nil
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// enterEpoch computes epoch e's committee schedule (transepoch's batches)
// and enters the segment holding the next height.
func (r *runner) enterEpoch(e uint64) error {
	segs, err := r.n.segments(e, r.s)
	if err != nil {
		return err
	}
	next := r.shard.Height() + 1
	for i, sg := range segs {
		if next >= sg.start && next <= sg.end {
			r.epoch, r.segs = e, segs
			return r.enterSegment(i)
		}
	}
	return fmt.Errorf("shard %d: height %d outside epoch %d", r.s, next, e)
}

// enterSegment builds the engines of one committee of the epoch, resuming
// from what the node has stored: the segment's committed blocks (History)
// and, in network mode, the engine's persisted HardState (Restore).
func (r *runner) enterSegment(i int) error {
	n := r.n
	sg := r.segs[i]
	var parent common.Hash
	if sg.start > 1 {
		b, ok := r.shard.Block(sg.start - 1)
		switch {
		case ok:
			parent = b.Hash
		case sg.start-1 == r.shard.Height():
			parent = r.shard.Head() // fast-synced: the snapshot's head
		default:
			return fmt.Errorf("shard %d: block %d missing", r.s, sg.start-1)
		}
	}
	var history []pob.Commit
	for h := sg.start; h <= r.shard.Height(); h++ {
		b, ok := r.shard.Block(h)
		if !ok {
			return fmt.Errorf("shard %d: block %d missing", r.s, h)
		}
		c, err := decodeCommit(b.Raw)
		if err != nil {
			return err
		}
		history = append(history, c)
	}
	lg, err := leagues(sg.members, n.believable())
	if err != nil {
		return err
	}
	r.seg, r.start, r.end, r.leagues = i, sg.start, sg.end, lg
	if d := domainEpoch(r.epoch, sg.version); d != r.domain {
		r.flight.reset() // the old committee's pending optimistic blocks are dead
		r.domain = d
	}
	r.queued = r.shard.Height()
	r.waiting = nil
	r.replicas, r.byAddr = nil, map[common.Address]*replica{}
	hosted := n.hosted(sg.members)
	if len(hosted) == 0 { // network mode, not a member: follow as an observer
		hosted = []*Validator{nil}
	}
	for _, v := range hosted {
		if err := r.addReplica(v, parent, history); err != nil {
			return err
		}
	}
	n.setEpoch(r.s, r.epoch, lg)
	n.log.Info("committee", "shard", r.s, "epoch", r.epoch, "version", sg.version, "start", sg.start, "end", sg.end,
		"believable", len(lg.Believable), "normal", len(lg.Normal), "one_league", lg.Fallback, "replicas", len(r.replicas))
	return nil
}

func (r *runner) addReplica(v *Validator, parent common.Hash, history []pob.Commit) error {
	n := r.n
	producer := -1
	self := n.observerAddress()
	cfg := pob.Config{
		Domain:      pob.Domain{ChainID: n.cfg.ChainID, Shard: r.s, Epoch: r.domain},
		Committee:   r.leagues.Normal,
		Believable:  r.leagues.Believable,
		Verifier:    n.verifier,
		SamplePPM:   r.leagues.SamplePPM,
		StartHeight: r.start, Parent: parent, History: history,
		ProduceEvery: uint64(n.cfg.ProduceEvery),
		Logger:       n.log.With("shard", r.s),
	}
	if v != nil {
		self = v.Account
		cfg.Signer = pob.NewSigner(v.secret)
		for i, m := range r.leagues.Believable {
			if m.Address == v.Account {
				producer = i
			}
		}
		if hs, err := n.loadHardState(r.s, r.domain, v.Index); err != nil {
			return err
		} else if hs != nil {
			cfg.Restore = hs
		}
	}
	cfg.Self = self
	cfg.App = newApp(n, r.shard, r.flight, producer, len(r.leagues.Believable))
	eng, err := n.newEngine(cfg)
	if err != nil {
		return fmt.Errorf("shard %d epoch %d: %w", r.s, r.epoch, err)
	}
	rep := &replica{self: self, eng: eng}
	r.replicas = append(r.replicas, rep)
	r.byAddr[self] = rep
	return nil
}

// enqueue hands a message from the network to the shard's goroutine.
func (r *runner) enqueue(m pob.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.netIn) < 10_000 {
		r.netIn = append(r.netIn, m)
	}
}

// tick advances every engine by one tick and processes everything that
// follows from it.
func (r *runner) tick() error {
	if r.waitEpoch {
		err := r.enterEpoch(r.n.epochOf(r.shard.Height() + 1))
		if errors.Is(err, errNoRandomness) {
			return nil
		}
		if err != nil {
			return err
		}
		r.waitEpoch = false
	}
	if !r.resumed { // atomix sessions that were pending when the node stopped
		r.resumed = true
		r.replayJournal()
		r.n.crossOut(r.shard.TakeCross(), r)
	}
	r.attestTick()
	for _, rep := range r.replicas {
		rep.eng.Tick()
	}
	return r.pump()
}

// pump delivers messages and acts on Ready until the engines are quiet.
func (r *runner) pump() error {
	r.mu.Lock()
	in := r.netIn
	r.netIn = nil
	r.mu.Unlock()
	for _, m := range in {
		if m.Height > r.lastHint {
			r.lastHint = m.Height
		}
		for _, rep := range r.replicas {
			rep.inbox = append(rep.inbox, m)
		}
	}
	const maxRounds = 64
	rounds := 0
	for ; rounds < maxRounds; rounds++ {
		busy := false
		for _, rep := range r.replicas {
			for _, m := range rep.inbox {
				_ = rep.eng.Step(m) // rejected messages change nothing; pob says why at debug level
			}
			busy = busy || len(rep.inbox) > 0
			rep.inbox = nil
		}
		for _, rep := range r.replicas {
			if !rep.eng.HasReady() {
				continue
			}
			busy = true
			if err := r.handle(rep, rep.eng.Ready()); err != nil {
				return err
			}
			rep.eng.Advance()
		}
		if !busy {
			break
		}
	}
	r.n.Metrics.loop.pumped(r.s, rounds, maxRounds)
	return r.execute()
}

func (r *runner) handle(rep *replica, rd pob.Ready) error {
	n := r.n
	var fresh []pob.Commit
	for _, c := range rd.Committed {
		if c.Block.Height == r.queued+1+uint64(len(fresh)) && c.Block.Domain.Epoch == r.domain && c.Block.Height <= r.end {
			fresh = append(fresh, c)
		}
	}
	// The commits first: the HardState below moves past them, and a
	// restarted engine signs nothing below it (see journal.go).
	if err := n.journalWrite(r.s, fresh); err != nil {
		return err
	}
	if rd.HardState != nil {
		if err := n.saveHardState(r.s, r.domain, rep.self, *rd.HardState); err != nil {
			return err
		}
	}
	for _, out := range rd.Messages {
		r.route(rep, out)
	}
	for _, o := range rd.Optimistic {
		if h := o.Hash(); !r.seenOpt[h] {
			r.seenOpt[h] = true
			r.flight.note(contentID(o.Txs), r.shard.Pool(), o.Txs, true)
			n.optimistic(r.s, o)
		}
	}
	if len(r.seenOpt) > 4096 {
		r.seenOpt = map[common.Hash]bool{}
	}
	for _, c := range fresh {
		r.waiting = append(r.waiting, c)
		r.queued++
	}
	for _, cv := range rd.Convictions {
		n.conviction(r.s, cv)
	}
	for _, o := range rd.Discarded { // a convicted producer's: never finalized
		r.flight.release(contentID(o.Txs))
	}
	return nil
}

// route delivers an engine's message to the local replicas it is for and,
// in network mode, to the network.
func (r *runner) route(from *replica, out pob.Outbound) {
	if out.To == (common.Address{}) {
		for _, rep := range r.replicas {
			if rep != from {
				rep.inbox = append(rep.inbox, out.Msg)
			}
		}
	} else if rep, ok := r.byAddr[out.To]; ok {
		rep.inbox = append(rep.inbox, out.Msg)
		return
	}
	if r.n.transport != nil {
		r.n.transport.Send(r.s, out.To, out.Msg)
	}
}

// execute commits the finalized blocks in order and hands what their
// atomix machine asks (messages for other shards, votes to certify) to the
// node.
func (r *runner) execute() error {
	for len(r.waiting) > 0 && !r.boundary {
		c := r.waiting[0]
		if err := r.n.checkpoint(r.s, c.Block.Height, c.Block.Hash()); err != nil {
			return err
		}
		if !r.n.proofCommitteesKnown(c.Block.Txs(), r.epoch) {
			if r.waitLogged != c.Block.Height {
				r.waitLogged = c.Block.Height
				r.n.log.Warn("atomix: block waits for a beacon round to check its proofs", "shard", r.s, "height", c.Block.Height, "epoch", r.epoch)
			}
			break // a beacon round is on its way: execute on a later tick
		}
		b, err := r.shard.Commit(chain.Block{
			Height: c.Block.Height, Hash: c.Block.Hash(), Parent: c.Block.Parent, Epoch: r.epoch,
			TimeMs: uint64(time.Now().UnixMilli()), Txs: c.Block.Txs(), Raw: encodeCommit(c),
			EndOfEpoch: c.Block.Height == (r.epoch+1)*r.n.cfg.EpochBlocks,
		})
		if err != nil {
			return err
		}
		r.waiting = r.waiting[1:]
		r.n.journalDone(r.s, b.Height)
		r.flight.release(payloadID(b.Height)) // the ledger's nonces now say it
		for _, o := range c.Block.Optimistic {
			r.flight.release(contentID(o.Txs))
		}
		r.n.committed(r.s, b, c)
		r.n.crossOut(b.Cross, r)
		if b.Height == r.end {
			r.boundary = true
		}
	}
	r.checkMSB()
	return r.nextEpoch()
}

// nextEpoch enters the next epoch once the last block of this one is
// committed and its randomness is known; until then it is retried every
// tick (the old engines cannot finalize past the boundary: their blocks
// are refused for the wrong epoch).
func (r *runner) nextEpoch() error {
	if !r.boundary {
		return nil
	}
	if r.seg+1 < len(r.segs) { // the next committee of this epoch's transition
		r.boundary = false
		return r.enterSegment(r.seg + 1)
	}
	err := r.enterEpoch(r.epoch + 1)
	if errors.Is(err, errNoRandomness) {
		return nil
	}
	if err == nil {
		r.boundary = false
	}
	return err
}

// syncFrom verifies and executes commits fetched from a peer, then rebuilds
// the engines so they resume after them.
func (r *runner) syncFrom(raws [][]byte) (int, error) {
	done := 0
	for _, raw := range raws {
		c, err := decodeCommit(raw)
		if err != nil {
			return done, err
		}
		h := r.shard.Height()
		if c.Block.Height != h+1 {
			continue
		}
		// The whole domain (chain, shard, committee), not the epoch alone:
		// the same validator keys certify every shard's and every chain's
		// blocks, and at genesis every chain has the same (zero) parent.
		want := pob.Domain{ChainID: r.n.cfg.ChainID, Shard: r.s, Epoch: r.domain}
		if c.Block.Domain != want || c.Block.Parent != r.shard.Head() {
			return done, fmt.Errorf("%w: shard %d block %d does not extend the chain", errBadSync, r.s, c.Block.Height)
		}
		if err := r.verify(c); err != nil {
			return done, err
		}
		r.waiting = append(r.waiting[:0], c)
		r.queued = c.Block.Height
		if err := r.execute(); err != nil {
			return done, err
		}
		done++
	}
	if done > 0 && !r.boundary {
		// Rebuild the engines so they resume after the synced blocks.
		return done, r.enterSegment(r.seg)
	}
	return done, nil
}

var errBadSync = errors.New("node: bad sync data")

// verify checks a commit's certificate against the running committee.
func (r *runner) verify(c pob.Commit) error { return verifyCommit(r.leagues, c) }

// verifyCommit checks that c's certificate names its block and holds a
// quorum of the committee (the normal league of lg).
func verifyCommit(lg pob.Leagues, c pob.Commit) error {
	keys := make([]kyber.Point, len(lg.Normal))
	for i, m := range lg.Normal {
		keys[i] = m.PublicKey
	}
	if c.Cert.Block != c.Block.Hash() || c.Cert.Height != c.Block.Height || c.Cert.Domain != c.Block.Domain {
		return fmt.Errorf("%w: certificate does not name the block", errBadSync)
	}
	if err := pob.VerifyCertificate(keys, c.Cert); err != nil {
		return fmt.Errorf("%w: %v", errBadSync, err)
	}
	return nil
}

// wireCommit is the stored and synced form of a finalized block.
type wireCommit struct {
	Block []byte
	Cert  []byte
}

func encodeCommit(c pob.Commit) []byte {
	b, err := rlp.EncodeToBytes(wireCommit{Block: pob.EncodeBlock(c.Block), Cert: c.Cert.Encode()})
	if err != nil {
		panic(err)
	}
	return b
}

func decodeCommit(raw []byte) (pob.Commit, error) {
	var w wireCommit
	if err := rlp.DecodeBytes(raw, &w); err != nil {
		return pob.Commit{}, fmt.Errorf("%w: %v", errBadSync, err)
	}
	b, err := pob.DecodeBlock(w.Block)
	if err != nil {
		return pob.Commit{}, err
	}
	cert, err := pob.DecodeCertificate(w.Cert)
	if err != nil {
		return pob.Commit{}, err
	}
	return pob.Commit{Block: b, Cert: cert}, nil
}

// hardStatePath is where validator idx keeps its engine state for one
// committee (pob domain) of a shard. One file per committee, not one per
// shard: a node that restarts behind its peers re-enters an earlier
// committee's segment, and must find the votes it cast there — with a single
// file, the later committee's state would overwrite them and the restarted
// engine would vote again, unprotected, at heights it had voted on
// (the double vote examples/testnet found after kill -9).
func (n *Node) hardStatePath(shard uint32, domain uint64, idx int) string {
	return filepath.Join(n.cfg.DataDir, fmt.Sprintf("hardstate-shard%d-d%d-v%d.rlp", shard, domain, idx))
}

type storedHardState struct {
	Epoch uint64
	State []byte
}

// saveHardState persists a network validator's engine state before its
// messages leave (the local network runs every validator in this process
// and needs no such protection against itself).
func (n *Node) saveHardState(shard uint32, epoch uint64, self common.Address, hs pob.HardState) error {
	v := n.self
	if !n.cfg.Network() || v == nil || v.Account != self {
		return nil
	}
	b, err := rlp.EncodeToBytes(storedHardState{Epoch: epoch, State: hs.Encode()})
	if err != nil {
		return err
	}
	return writeSynced(n.hardStatePath(shard, epoch, v.Index), b)
}

func (n *Node) loadHardState(shard uint32, epoch uint64, idx int) (*pob.HardState, error) {
	if !n.cfg.Network() {
		return nil, nil
	}
	b, err := os.ReadFile(n.hardStatePath(shard, epoch, idx))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var s storedHardState
	if err := rlp.DecodeBytes(b, &s); err != nil {
		return nil, fmt.Errorf("hard state of shard %d: %w", shard, err)
	}
	if s.Epoch != epoch {
		return nil, nil
	}
	hs, err := pob.DecodeHardState(s.State)
	if err != nil {
		return nil, err
	}
	return &hs, nil
}
