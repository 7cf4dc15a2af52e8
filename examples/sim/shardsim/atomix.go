package shardsim

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/xshard"
	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/pob"
)

// Cross-shard transfers run through the real atomix state machines
// (examples/sim/xshard), one per shard: atomix.Shard is deterministic and
// replicated, so every replica of a shard computes what this one does.
//
//  1. When a block of shard S is final (its first honest finalizer), S
//     executes it: the atomix messages its batches carry are stepped; the
//     transfers it exports to other shards are debited into one escrow
//     coin, and S steps MsgLock of one atomix transaction "coin → S's
//     transit account on each destination shard", voting on it; the
//     machine ticks; the block's writes are committed to S's microstate
//     store, giving the block's commitment.
//  2. Every honest member of S, once it has executed the block, signs the
//     statement "S's commitment after block h is R" and sends its
//     signature to the first finalizer (the relay), which aggregates a
//     quorum into an attestation (real BDN), builds the vote's Merkle
//     proof (microstate write proof) and hands the proof to the machine
//     (Certified), which checks it and sends it to the destination shards.
//  3. The proof travels to every member of each destination shard; the
//     first honest one queues it in the shard's mempool; a proposer puts it
//     in a batch; when that block is final, the destination's machine
//     verifies the proof (attestation and Merkle proof, for real) and
//     commits: the transfers are credited, and their cross-shard latency is
//     recorded then. It acknowledges to S, through S's blocks likewise;
//     atomix retransmits what is not acknowledged in time.
//
// Every member is charged the calibrated cost of what it executes: the
// atomix block work (calib.AtomixCosts.Block) per message and lock, a
// certificate check and a vote-proof check per proof; the relay a BLS
// verification per signature it collects, the aggregation, the proof and
// the check of its own proof. Real signatures are checked once per run
// (the aggregate, by the attestation verifier's cache), as elsewhere here.

// AtomixStats counts the atomix work of a run (all of it, warm-up
// included).
type AtomixStats struct {
	// Sessions is the number of atomix transactions started: one per
	// finalized block that exports transfers.
	Sessions uint64 `json:"sessions"`
	// Committed and Aborted count outcomes applied, per shard involved
	// (a session to two destinations commits on three shards).
	Committed uint64 `json:"committed"`
	Aborted   uint64 `json:"aborted"`
	// Pending is the number of sessions not committed at every shard at
	// the end.
	Pending int `json:"pending"`
	// Proofs is the number of proofs built (one per vote certified).
	Proofs uint64 `json:"proofs"`
	// Messages is the number of atomix messages sent between shards
	// (proofs, retransmissions and acknowledgements).
	Messages uint64 `json:"messages"`
	// StepErrors counts messages a machine refused (duplicates of decided
	// sessions are not errors).
	StepErrors uint64 `json:"step_errors"`
	// CertChecks and CertVerified are the certificate checks made and the
	// ones verified for real (the others were answered by the cache).
	CertChecks   uint64 `json:"cert_checks"`
	CertVerified uint64 `json:"cert_verified"`
}

// xmsg is an atomix message on its way to a shard's blocks.
type xmsg struct {
	msg     atomix.Message
	to      uint32
	size    int // encoded, as the block carries it
	credits int // transfers it credits at the destination (proofs)
	proofs  int
	checks  int // proofs the destination's machine verified (set when stepped)
	queued  bool
}

// xsession is one atomix transaction's transfers, by destination.
type xsession struct {
	chunks  map[uint32][]chunk
	applied map[uint32]bool
	left    int // shards that have not applied the outcome yet
}

// xattest is a block's attestation being collected by its relay.
type xattest struct {
	relay  *instance
	shard  int
	st     xshard.Statement
	commit microstate.BlockCommit
	votes  []atomix.Vote
	sigs   map[int][]byte
	done   bool
}

type xrun struct {
	r          *runner
	shards     []*xshard.Shard
	committees []*xshard.Committee
	certs      *xshard.AttestationVerifier
	sessions   map[common.Hash]*xsession
	attest     map[[2]uint64][]*xattest          // by (shard, height signed at)
	voteAt     map[string]microstate.BlockCommit // vote key → block that wrote it
	inFlight   map[string]bool                   // vote key → attestation under way
	quorum     int
	stats      AtomixStats
}

const xEpoch = 1

func newXrun(r *runner) (*xrun, error) {
	cfg := r.cfg
	if !cfg.Costs.Atomix.Complete() {
		return nil, calib.ErrNoAtomix
	}
	x := &xrun{r: r, sessions: map[common.Hash]*xsession{}, attest: map[[2]uint64][]*xattest{},
		voteAt: map[string]microstate.BlockCommit{}, inFlight: map[string]bool{}, quorum: pob.Quorum(cfg.Committee)}
	for s := range cfg.Shards {
		x.committees = append(x.committees, xshard.NewCommittee(cfg.Seed, s, cfg.Committee))
	}
	x.certs = xshard.NewAttestationVerifier(func(s uint32, epoch uint64) *xshard.Committee {
		if epoch != xEpoch || int(s) >= len(x.committees) {
			return nil
		}
		return x.committees[s]
	})
	ver := atomix.Verifier{Certs: x.certs, Proofs: xshard.WriteProofVerifier{}}
	for s := range cfg.Shards {
		sh, err := xshard.NewShard(uint32(s), ver, xEpoch)
		if err != nil {
			x.close()
			return nil, err
		}
		x.shards = append(x.shards, sh)
	}
	return x, nil
}

func (x *xrun) close() {
	for _, sh := range x.shards {
		_ = sh.Close()
	}
}

func (x *xrun) result() *AtomixStats {
	st := x.stats
	st.Pending = len(x.sessions)
	st.CertChecks, st.CertVerified = x.certs.Hits+x.certs.Misses, x.certs.Misses
	return &st
}

// xExecCost is the atomix CPU time of executing blk at one member, once
// its shard's first finalizer has executed it (xExecute).
func (r *runner) xExecCost(blk Block) time.Duration {
	c := r.cfg.Costs
	var cost time.Duration
	exports := false
	for _, p := range blk.Payloads {
		b := r.batchOf(p)
		if b == nil {
			continue
		}
		for _, m := range b.msgs {
			cost += c.Atomix.Block + time.Duration(m.checks)*(c.CertVerify(r.x.quorum)+c.Atomix.Verify)
		}
		for _, ch := range b.chunks {
			exports = exports || (!ch.imp && ch.to != b.shard)
		}
	}
	if exports {
		cost += c.Atomix.Block
	}
	return cost
}

// escrow names the coin that holds shard s's exports of block h.
func escrow(s int, h uint64) common.Hash {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:], uint64(s))
	binary.BigEndian.PutUint64(b[8:], h)
	return crypto.Keccak256Hash([]byte("iostkit sim escrow"), b[:])
}

// transit names shard from's transit account on another shard: what
// atomix credits there, the destination's ledger pays out.
func transit(from int) common.Hash {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(from))
	return crypto.Keccak256Hash([]byte("iostkit sim transit"), b[:])
}

// xExecute runs the atomix part of block height of in's shard, whose new
// batches are batches, at its first honest finalizer in.
func (r *runner) xExecute(in *instance, height uint64, batches []*batch) {
	x := r.x
	s := in.shard
	sh := x.shards[s]
	sh.Begin()
	for _, b := range batches {
		for _, m := range b.msgs {
			// The machine checks the proofs of a session it has not
			// decided; a retransmission to a shard that applied the
			// outcome is only acknowledged.
			if ss := x.sessions[m.msg.Tx.ID()]; m.msg.Type == atomix.MsgProof && ss != nil && !ss.applied[uint32(s)] {
				m.checks = m.proofs
			}
			if err := sh.Step(m.msg); err != nil {
				x.stats.StepErrors++
			}
		}
	}
	// The exports of the block, by destination, in one transaction.
	byDest := map[uint32][]chunk{}
	for _, b := range batches {
		for _, ch := range b.chunks {
			if !ch.imp && ch.to != b.shard {
				byDest[ch.to] = append(byDest[ch.to], ch)
			}
		}
	}
	if len(byDest) > 0 {
		total := uint64(0)
		var outs []atomix.Output
		for d := range uint32(len(r.shards)) {
			n := 0
			for _, ch := range byDest[d] {
				n += ch.n
			}
			if n > 0 {
				outs = append(outs, atomix.Output{Shard: atomix.ShardID(d), Kind: atomix.KindAccount, Object: transit(s), Amount: uint64(n)})
				total += uint64(n)
			}
		}
		tx := atomix.Tx{
			Inputs:  []atomix.Input{{Shard: atomix.ShardID(s), Kind: atomix.KindCoin, Object: escrow(s, height), Amount: total}},
			Outputs: outs,
			Nonce:   height,
			Expiry:  sh.Epoch() + 2,
		}
		x.sessions[tx.ID()] = &xsession{chunks: byDest, applied: map[uint32]bool{}, left: len(tx.Shards())}
		x.stats.Sessions++
		if err := sh.Lock(tx); err != nil {
			x.stats.StepErrors++
		}
	}
	commit, rd, err := sh.End()
	if err != nil {
		panic(fmt.Sprintf("shardsim: %v", err)) // memdb commits of our own writes cannot fail
	}
	for _, a := range rd.Applied {
		x.applied(s, a)
	}
	// Votes to certify, grouped by the block that wrote them: this one, or
	// an earlier one whose proof the machine asks for again (its request
	// went unanswered for a long while, or its committee retired).
	var jobs []*xattest
	byHeight := map[uint64]*xattest{}
	for _, v := range rd.Certify {
		key := string(atomix.VoteKey(v.Tx, v.Attempt))
		at, ok := x.voteAt[key]
		if !ok {
			at = commit
			x.voteAt[key] = commit
		} else if x.inFlight[key] {
			continue
		}
		x.inFlight[key] = true
		job := byHeight[at.Height]
		if job == nil {
			job = &xattest{
				relay: in, shard: s, commit: at, sigs: map[int][]byte{},
				st: xshard.Statement{Shard: uint32(s), Epoch: sh.Epoch(), Height: at.Height, Root: at.Commitment},
			}
			byHeight[at.Height] = job
			jobs = append(jobs, job)
		}
		job.votes = append(job.votes, v)
	}
	if len(jobs) > 0 {
		x.attest[[2]uint64{uint64(s), height}] = jobs
	}
	r.xSend(in, rd.Messages)
}

// applied records an outcome shard s applied: a commit at a destination
// credits its transfers, which are then final.
func (x *xrun) applied(s int, a atomix.Applied) {
	r := x.r
	if a.Outcome == atomix.Commit {
		x.stats.Committed++
	} else {
		x.stats.Aborted++
	}
	ss := x.sessions[a.Tx]
	if ss == nil || ss.applied[uint32(s)] {
		return
	}
	ss.applied[uint32(s)] = true
	if a.Outcome == atomix.Commit {
		for _, ch := range ss.chunks[uint32(s)] {
			r.count(ch.n)
			if r.inWindow() {
				r.cross.Add(r.sim.Now()-ch.arrived, ch.n)
			}
		}
	}
	if ss.left--; ss.left == 0 {
		delete(x.sessions, a.Tx)
	}
}

// xAttest is honest member in, having executed its shard's block height,
// signing the attestation of the block's state if it wrote votes.
func (r *runner) xAttest(in *instance, height uint64) {
	if !in.honest || in.down {
		return
	}
	for _, job := range r.x.attest[[2]uint64{uint64(in.shard), height}] {
		r.xSign(in, job)
	}
}

func (r *runner) xSign(in *instance, job *xattest) {
	if job.done {
		return
	}
	sig, err := r.x.committees[in.shard].Sign(in.member, job.st)
	if err != nil {
		panic(fmt.Sprintf("shardsim: attestation signature: %v", err)) // a valid key always signs
	}
	c := r.cfg.Costs
	in.cpu.Run(c.BLSSign, func() {
		if in == job.relay {
			r.xCollect(job, in.member, sig)
			return
		}
		// A G1 signature, the member index, the height.
		r.net.Send(in.net, job.relay.net, 48+16, func() {
			job.relay.cpu.Run(c.BLSVerify, func() { r.xCollect(job, in.member, sig) })
		})
	})
}

// xCollect adds a signature to job; with a quorum, the relay aggregates,
// proves every vote and hands the proofs to its shard's machine.
func (r *runner) xCollect(job *xattest, member int, sig []byte) {
	if job.done {
		return
	}
	job.sigs[member] = sig
	if len(job.sigs) < r.x.quorum {
		return
	}
	job.done = true
	x := r.x
	att, err := x.committees[job.shard].Attest(job.sigs)
	if err != nil {
		panic(fmt.Sprintf("shardsim: attestation: %v", err)) // a quorum of valid signatures
	}
	c := r.cfg.Costs
	per := c.Atomix.Prove + c.CertVerify(x.quorum) + c.Atomix.Verify
	cost := c.CertAggregate(x.quorum) + time.Duration(len(job.votes))*per
	job.relay.cpu.Run(cost, func() {
		sh := x.shards[job.shard]
		for _, v := range job.votes {
			delete(x.inFlight, string(atomix.VoteKey(v.Tx, v.Attempt)))
			merkle, err := sh.Prove(job.commit, v)
			if err != nil {
				panic(fmt.Sprintf("shardsim: vote proof: %v", err)) // the block wrote the vote
			}
			p := atomix.Proof{Vote: v, Epoch: job.st.Epoch, Height: job.commit.Height, Root: job.commit.Commitment, Certificate: att.Encode(), Merkle: merkle}
			x.stats.Proofs++
			rd, err := sh.Certified(p)
			if err != nil {
				x.stats.StepErrors++
				continue
			}
			r.xSend(job.relay, rd.Messages)
		}
	})
}

// xSend carries atomix messages from member from to every member of their
// destination shard; the first honest one to receive a message queues it
// for the shard's blocks.
func (r *runner) xSend(from *instance, envs []atomix.Envelope) {
	x := r.x
	for _, env := range envs {
		d := uint32(env.To)
		m := &xmsg{msg: env.Msg, to: d, size: 1 + len(env.Msg.Encode()), proofs: len(env.Msg.Proofs)}
		if env.Msg.Type == atomix.MsgProof {
			if ss := x.sessions[env.Msg.Tx.ID()]; ss != nil && !ss.applied[d] {
				for _, ch := range ss.chunks[d] {
					m.credits += ch.n
				}
			}
		}
		x.stats.Messages++
		for _, insts := range r.shards[d].members {
			for _, to := range insts {
				r.net.Send(from.net, to.net, m.size, func() {
					if to.down || !to.honest || m.queued {
						return
					}
					m.queued = true
					r.shards[d].pool.addMsg(m)
				})
			}
		}
	}
}
