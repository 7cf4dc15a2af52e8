package node

import (
	"fmt"
	"sync"
	"time"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/pob"
)

// State attestations (chain/attest.go) in the node: when a committed block
// holds atomix votes, the hosted members of the shard's running committee
// sign the block's state commitment; in the local network that is every
// member, in network mode the signatures travel on the signatures topic
// (beside drp's beacon partials) and every node aggregates a quorum.

// attestTag is the first byte of an attestation partial on the signatures
// topic: drp's partials are RLP lists (≥ 0xc0), so the two never collide.
const attestTag = 0x01

// attestPartial is one member's signature, as gossiped.
type attestPartial struct {
	Shard   uint32
	Epoch   uint64
	Version uint64
	Height  uint64
	Root    common.Hash
	Signer  uint32 // index in the committee
	Sig     []byte
	Kind    uint8 `rlp:"optional"` // chain.KindBlock or chain.KindMSB
}

func (p attestPartial) encode() []byte {
	b, _ := rlp.EncodeToBytes(p)
	return append([]byte{attestTag}, b...)
}

func decodeAttestPartial(b []byte) (attestPartial, error) {
	var p attestPartial
	if len(b) < 2 || b[0] != attestTag || len(b) > 512 {
		return p, chain.ErrBadAttestation
	}
	if err := rlp.DecodeBytes(b[1:], &p); err != nil {
		return p, fmt.Errorf("%w: %v", chain.ErrBadAttestation, err)
	}
	return p, nil
}

type segKey struct {
	epoch uint64
	shard uint32
}

// committees caches every shard's committee schedule per epoch: atomix
// verifies proofs of any shard, and segments is costly to recompute.
type committees struct {
	mu   sync.Mutex
	segs map[segKey][]segment
	ok   map[common.Hash]bool // certificates verified
}

// committee returns the members of shard s's committee version in epoch
// e, and the last height it runs.
func (n *Node) committee(s uint32, e, version uint64) ([]Validator, uint64, error) {
	c := &n.committees
	c.mu.Lock()
	segs, ok := c.segs[segKey{e, s}]
	c.mu.Unlock()
	if !ok {
		var err error
		if segs, err = n.segments(e, s); err != nil {
			return nil, 0, err
		}
		c.mu.Lock()
		if len(c.segs) > 256 {
			clear(c.segs)
		}
		c.segs[segKey{e, s}] = segs
		c.mu.Unlock()
	}
	for _, sg := range segs {
		if sg.version == version {
			return sg.members, sg.end, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: shard %d epoch %d has no committee version %d", chain.ErrBadAttestation, s, e, version)
}

func publicKeys(ms []Validator) []kyber.Point {
	out := make([]kyber.Point, len(ms))
	for i, m := range ms {
		out[i] = m.Public
	}
	return out
}

// VerifyFinality implements atomix.CertificateVerifier: cert is a quorum
// of shard's committee in epoch attesting that the block at height has
// state commitment root. The committee must have run the shard by then.
func (n *Node) VerifyFinality(shard atomix.ShardID, epoch, height uint64, root common.Hash, cert []byte) error {
	key := crypto.Keccak256Hash(rlpOf(uint32(shard), epoch, height, root), cert)
	n.committees.mu.Lock()
	done := n.committees.ok[key]
	n.committees.mu.Unlock()
	if done {
		return nil
	}
	a, err := chain.DecodeAttestation(cert)
	if err != nil {
		return err
	}
	if uint32(shard) >= n.cfg.Shards {
		return fmt.Errorf("%w: shard %d", chain.ErrBadAttestation, shard)
	}
	members, end, err := n.committee(uint32(shard), epoch, a.Version)
	if err != nil {
		return err
	}
	if height == 0 || height > end {
		return fmt.Errorf("%w: height %d after the committee's last height %d", chain.ErrBadAttestation, height, end)
	}
	st := chain.Statement{ChainID: n.cfg.ChainID, Shard: uint32(shard), Epoch: epoch, Version: a.Version, Height: height, Root: root}
	if err := chain.VerifyAttestation(publicKeys(members), st, a); err != nil {
		return err
	}
	n.committees.mu.Lock()
	if len(n.committees.ok) > 65536 {
		clear(n.committees.ok)
	}
	n.committees.ok[key] = true
	n.committees.mu.Unlock()
	return nil
}

var _ atomix.CertificateVerifier = (*Node)(nil)

func rlpOf(v ...any) []byte {
	b, _ := rlp.EncodeToBytes(v)
	return b
}

// attestation is one block's pending certification on this node.
type attestation struct {
	kind           uint8 // chain.KindBlock or chain.KindMSB
	epoch, version uint64
	height         uint64 // block height, or MSB number
	root           common.Hash
	members        []Validator
	sigs           map[int][]byte
	votes          map[common.Hash]chain.Certify // by vote hash
	proofs         map[common.Hash][]byte        // Merkle part, by vote hash
	own            [][]byte                      // this node's encoded partials
	cert           []byte                        // the aggregate, once a quorum signed
	sent           time.Time
}

func (at *attestation) statement(chainID uint64, shard uint32) chain.Statement {
	return chain.Statement{ChainID: chainID, Shard: shard, Epoch: at.epoch, Version: at.version, Height: at.height, Root: at.root, Kind: at.kind}
}

func (at *attestation) key() attKey { return attKey{at.kind, at.height} }

// attKey names an attestation: what kind, and of which height or MSB.
type attKey struct {
	kind   uint8
	height uint64
}

// attestor is a runner's table of blocks awaiting a quorum of
// attestations. Only the runner's goroutine touches it, except deliver.
type attestor struct {
	mu    sync.Mutex
	inbox []attestPartial

	pending map[attKey]*attestation    // asked, short of a quorum
	early   map[attKey][]attestPartial // partials for attestations not asked yet
	done    map[attKey]*attestation    // completed, kept for echoes
	echoed  map[attKey]time.Time
}

func newAttestor() *attestor {
	return &attestor{pending: map[attKey]*attestation{}, early: map[attKey][]attestPartial{},
		done: map[attKey]*attestation{}, echoed: map[attKey]time.Time{}}
}

// deliver hands the runner a partial from the network.
func (a *attestor) deliver(p attestPartial) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.inbox) < 4096 {
		a.inbox = append(a.inbox, p)
	}
}

// certify asks the running committee to attest the blocks holding votes.
func (r *runner) certify(reqs []chain.Certify) {
	for _, c := range reqs {
		if err := r.certifyOne(c); err != nil {
			r.n.log.Warn("atomix: cannot certify vote", "shard", r.s, "height", c.Height, "tx", c.Vote.Tx, "err", err)
		}
	}
}

func (r *runner) certifyOne(c chain.Certify) error {
	if len(r.segs) == 0 {
		return errNoRandomness // no committee yet; atomix asks again
	}
	root, proof, err := r.shard.ProveVote(c.Height, c.Vote)
	if err != nil {
		return err
	}
	vh := crypto.Keccak256Hash(c.Vote.Encode())
	k := attKey{chain.KindBlock, c.Height}
	if at, ok := r.att.done[k]; ok && at.epoch == r.epoch && at.root == root {
		// Already certified (a re-ask after a restart or an epoch change
		// within the same committee): hand the proof again.
		at.votes[vh], at.proofs[vh] = c, proof
		r.finishAttestation(at)
		return nil
	}
	at, ok := r.att.pending[k]
	if !ok || at.epoch != r.epoch || at.version != r.segs[r.seg].version {
		var err error
		if at, err = r.ask(chain.KindBlock, c.Height, root); err != nil {
			return err
		}
	}
	at.votes[vh], at.proofs[vh] = c, proof
	r.maybeFinish(at)
	return nil
}

// ask starts an attestation by the running committee: this node's
// members sign, publish, and take the partials that arrived early.
func (r *runner) ask(kind uint8, height uint64, root common.Hash) (*attestation, error) {
	n := r.n
	sg := r.segs[r.seg]
	at := &attestation{kind: kind, epoch: r.epoch, version: sg.version, height: height, root: root, members: sg.members,
		sigs: map[int][]byte{}, votes: map[common.Hash]chain.Certify{}, proofs: map[common.Hash][]byte{}}
	r.att.pending[at.key()] = at
	st := at.statement(n.cfg.ChainID, r.s)
	for i, m := range at.members {
		if n.self != nil && m.Index != n.self.Index {
			continue
		}
		sig, err := st.Sign(n.validators[m.Index].secret)
		if err != nil {
			return nil, err
		}
		at.sigs[i] = sig
		p := attestPartial{Shard: r.s, Epoch: at.epoch, Version: at.version, Height: height, Root: root, Signer: uint32(i), Sig: sig, Kind: kind}
		at.own = append(at.own, p.encode())
	}
	r.publish(at)
	for _, p := range r.att.early[at.key()] {
		r.addPartial(p)
	}
	delete(r.att.early, at.key())
	return at, nil
}

func (r *runner) publish(at *attestation) {
	if r.n.transport == nil {
		return
	}
	for _, b := range at.own {
		r.n.transport.PublishBeacon(b)
	}
	at.sent = time.Now()
}

// addPartial records a peer's signature for a pending attestation after
// checking it against the member's key.
func (r *runner) addPartial(p attestPartial) {
	k := attKey{p.Kind, p.Height}
	at, ok := r.att.pending[k]
	if !ok {
		if d, ok := r.att.done[k]; ok && d.root == p.Root {
			// A peer still collecting: our signatures again, at most every 2 s.
			if time.Since(r.att.echoed[k]) > 2*time.Second {
				r.att.echoed[k] = time.Now()
				r.publish(d)
			}
			return
		}
		r.keepEarly(k, p)
		return
	}
	if p.Epoch != at.epoch || p.Version != at.version || p.Root != at.root || int(p.Signer) >= len(at.members) {
		return
	}
	if _, have := at.sigs[int(p.Signer)]; have {
		return
	}
	msg := at.statement(r.n.cfg.ChainID, r.s).Message()
	if err := r.n.verifier.Verify(at.members[p.Signer].Public, msg, p.Sig); err != nil {
		r.n.log.Debug("atomix: attestation refused", "shard", r.s, "height", p.Height, "err", err)
		return
	}
	at.sigs[int(p.Signer)] = p.Sig
	r.maybeFinish(at)
}

// keepEarly holds an unchecked partial for an attestation this node has
// not asked for yet (a peer executed the block first): only near the
// shard's head (or its latest MSB), once per signer, and boundedly.
func (r *runner) keepEarly(k attKey, p attestPartial) {
	near := k.height+8 >= r.shard.Height() && k.height <= r.shard.Height()+64
	if k.kind == chain.KindMSB {
		near = k.height > r.msbSeen && k.height <= r.msbSeen+2
	}
	if !near || len(r.att.early) >= 256 || len(r.att.early[k]) >= 64 {
		return
	}
	for _, q := range r.att.early[k] {
		if q.Signer == p.Signer && q.Epoch == p.Epoch && q.Version == p.Version {
			return // one per signer and committee: the first wins, a bad one is refused at check time
		}
	}
	r.att.early[k] = append(r.att.early[k], p)
}

// maybeFinish aggregates a quorum into a certificate and hands atomix the
// proofs of the block's votes.
func (r *runner) maybeFinish(at *attestation) {
	if len(at.sigs) < pob.Quorum(len(at.members)) {
		return
	}
	a, err := chain.Aggregate(publicKeys(at.members), at.statement(r.n.cfg.ChainID, r.s), at.sigs)
	if err != nil {
		r.n.log.Error("atomix: aggregate", "shard", r.s, "height", at.height, "err", err)
		return
	}
	at.cert = a.Encode()
	delete(r.att.pending, at.key())
	r.att.done[at.key()] = at
	if len(r.att.done) > 1024 {
		for k := range r.att.done {
			if k.kind == at.kind && k.height+512 < at.height {
				delete(r.att.done, k)
				delete(r.att.echoed, k)
			}
		}
	}
	if at.kind == chain.KindMSB {
		r.msbCertified(at)
		return
	}
	r.finishAttestation(at)
}

func (r *runner) finishAttestation(at *attestation) {
	for vh, c := range at.votes {
		p := atomix.Proof{Vote: c.Vote, Epoch: at.epoch, Height: at.height, Root: at.root, Certificate: at.cert, Merkle: at.proofs[vh]}
		if err := r.shard.Certified(p); err != nil {
			r.n.log.Debug("atomix: proof refused", "shard", r.s, "height", at.height, "err", err)
		}
		delete(at.votes, vh)
		delete(at.proofs, vh)
	}
	r.n.crossOut(r.shard.TakeCross(), r)
}

// attestTick processes partials from the network and re-publishes this
// node's signatures for attestations still short of a quorum.
func (r *runner) attestTick() {
	r.att.mu.Lock()
	in := r.att.inbox
	r.att.inbox = nil
	r.att.mu.Unlock()
	for _, p := range in {
		r.addPartial(p)
	}
	for k, at := range r.att.pending {
		if at.epoch+2 < r.epoch {
			delete(r.att.pending, k) // its committee is long gone: atomix asks again
			continue
		}
		if time.Since(at.sent) > 2*time.Second {
			r.publish(at)
		}
	}
	if len(r.att.early) > 512 {
		for k := range r.att.early {
			if k.kind == chain.KindBlock && k.height+64 < r.shard.Height() {
				delete(r.att.early, k)
			}
		}
	}
}

// crossOut queues a shard's atomix messages for their destination shards'
// blocks and asks for the certifications it needs.
func (n *Node) crossOut(rd chain.CrossReady, r *runner) {
	if len(rd.Messages) > 0 {
		n.mu.Lock()
		for _, env := range rd.Messages {
			to := uint32(env.To)
			if to >= n.cfg.Shards {
				continue
			}
			raw := chain.EncodeAtomix(env.Msg)
			h := crypto.Keccak256Hash(raw)
			if n.outboxSeen[h] {
				continue
			}
			if len(n.outbox[to]) >= maxOutbox {
				delete(n.outboxSeen, crypto.Keccak256Hash(n.outbox[to][0]))
				n.outbox[to] = n.outbox[to][1:]
			}
			n.outboxSeen[h] = true
			n.outbox[to] = append(n.outbox[to], raw)
		}
		n.mu.Unlock()
	}
	if len(rd.Certify) > 0 && r != nil {
		r.certify(rd.Certify)
	}
}

// maxOutbox bounds the atomix messages queued for one shard; atomix
// retransmits whatever is dropped.
const maxOutbox = 20_000

// pruneOutbox drops the messages a committed block of shard s carried.
func (n *Node) pruneOutbox(s uint32, b *chain.Block) {
	included := map[common.Hash]bool{}
	for i, raw := range b.Txs {
		if chain.IsAtomix(raw) {
			included[b.Receipts[i].Hash] = true
		}
	}
	if len(included) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	kept := n.outbox[s][:0]
	for _, raw := range n.outbox[s] {
		h := crypto.Keccak256Hash(raw)
		if included[h] {
			delete(n.outboxSeen, h)
			continue
		}
		kept = append(kept, raw)
	}
	n.outbox[s] = kept
}

// pendingAtomix returns up to max queued atomix messages for shard s.
func (n *Node) pendingAtomix(s uint32, max int) [][]byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.outbox[s]
	if len(p) > max {
		p = p[:max]
	}
	return append([][]byte(nil), p...)
}
