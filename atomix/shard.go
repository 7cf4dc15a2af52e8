package atomix

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
)

// Config configures one shard's atomix state machine.
type Config struct {
	// ID is this shard.
	ID ShardID
	// Store is the shard's replicated state. Required.
	Store Store
	// Verifier checks proofs from other shards. Its Certs and Proofs are
	// required.
	Verifier Verifier
	// Epoch is the epoch the shard starts in.
	Epoch uint64
	// RetryTicks is how long a session's coordinator (its lowest input
	// shard) waits before retransmitting proofs to shards that have not
	// acknowledged the outcome; other input shards wait twice as long.
	// Zero means DefaultRetryTicks.
	RetryTicks uint64
}

// DefaultRetryTicks is the retransmission timeout when Config.RetryTicks is zero.
const DefaultRetryTicks = 4

// Validate reports a missing store or verifier.
func (c Config) Validate() error {
	switch {
	case c.Store == nil:
		return fmt.Errorf("%w: no store", ErrBadConfig)
	case c.Verifier.Certs == nil:
		return fmt.Errorf("%w: no certificate verifier", ErrBadConfig)
	case c.Verifier.Proofs == nil:
		return fmt.Errorf("%w: no proof verifier", ErrBadConfig)
	}
	return nil
}

// Envelope is a message for shard To.
type Envelope struct {
	To  ShardID
	Msg Message
}

// Applied reports that the shard applied Outcome for session (Tx, Attempt).
type Applied struct {
	Tx      common.Hash
	Attempt uint64
	Outcome Outcome
}

// Ready is what the shard asks its node to do, in the shape of etcd raft's
// Ready: send Messages, certify Votes, and learn what was Applied.
type Ready struct {
	// Messages to send to other shards (any member of the destination
	// shard's committee will do; the destination includes them in a block).
	Messages []Envelope
	// Certify lists votes written to the store that need a Proof: once the
	// block holding them is final, the node builds a Proof (certificate
	// plus Merkle proof of VoteKey) and passes it to Certified. After an
	// epoch change the shard asks again for votes whose proofs went stale.
	Certify []Vote
	// Applied lists the outcomes the shard applied, in order.
	Applied []Applied
}

// session is a shard's soft state for one session: the verified proofs it
// holds, its own vote and proof, and who has acknowledged the outcome. Only
// the vote, the outcome and the objects live in the Store; the rest is
// rebuilt by retransmission after a restart.
type session struct {
	s       Session
	proofs  map[ShardID]Proof
	outcome Outcome
	vote    *Vote
	mine    *Proof
	acked   map[ShardID]bool
	retryAt uint64
}

// Shard is one shard's atomix state machine. Every replica of the shard
// runs it over the shard's finalized blocks: Step for each atomix message a
// block carries, Tick once per block, SetEpoch at epoch changes, Certified
// when a vote's proof is ready, and Ready after each of these. It does no
// I/O, keeps no clock and draws no randomness, so all replicas agree. It is
// not safe for concurrent use.
type Shard struct {
	cfg      Config
	st       state
	now      uint64
	epoch    uint64
	sessions map[sessionRef]*session
	ready    Ready
}

// NewShard returns the state machine of shard cfg.ID over cfg.Store. If the
// store holds sessions this shard voted on and has not finished (after a
// restart), it resumes them: their votes come back in Ready.Certify.
func NewShard(cfg Config) (*Shard, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RetryTicks == 0 {
		cfg.RetryTicks = DefaultRetryTicks
	}
	s := &Shard{cfg: cfg, st: state{cfg.Store}, epoch: cfg.Epoch, sessions: map[sessionRef]*session{}}
	refs, err := s.st.pending()
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		tx, ok, err := s.st.txBody(ref.Tx)
		if err != nil {
			return nil, err
		}
		v, okv, err := s.st.vote(ref.Tx, ref.Attempt)
		if err != nil {
			return nil, err
		}
		if !ok || !okv {
			return nil, fmt.Errorf("%w: pending session %s/%d without its records", ErrDecode, ref.Tx, ref.Attempt)
		}
		e := s.entry(Session{Tx: tx, ID: ref.Tx, Attempt: ref.Attempt})
		if e.outcome, err = s.st.outcome(ref.Tx, ref.Attempt); err != nil {
			return nil, err
		}
		e.vote = &v
		s.askCertify(e)
	}
	return s, nil
}

// ID is the shard's identity.
func (s *Shard) ID() ShardID { return s.cfg.ID }

// Epoch is the shard's current epoch.
func (s *Shard) Epoch() uint64 { return s.epoch }

// Now is the number of ticks so far.
func (s *Shard) Now() uint64 { return s.now }

// Sessions is the number of sessions the shard still tracks: undecided, or
// decided but not yet acknowledged by every shard of the transaction.
func (s *Shard) Sessions() int { return len(s.sessions) }

// HasReady reports whether Ready has anything.
func (s *Shard) HasReady() bool {
	return len(s.ready.Messages)+len(s.ready.Certify)+len(s.ready.Applied) > 0
}

// Ready returns and clears what the shard asks the node to do.
func (s *Shard) Ready() Ready {
	r := s.ready
	s.ready = Ready{}
	return r
}

func (s *Shard) entry(ss Session) *session {
	ref := sessionRef{ss.ID, ss.Attempt}
	e, ok := s.sessions[ref]
	if !ok {
		e = &session{s: ss, proofs: map[ShardID]Proof{}, acked: map[ShardID]bool{}}
		s.sessions[ref] = e
	}
	return e
}

// Step processes one message carried by a finalized block. Invalid proofs
// in a message are skipped (the valid ones still count) and reported in
// the returned error; protocol errors leave the state unchanged. A Store
// error can leave some of the step's writes done: the node then fails the
// block, discards its writes and restarts the shard from the store, as for
// any failed block execution.
func (s *Shard) Step(m Message) error {
	if err := m.Tx.Validate(); err != nil {
		return err
	}
	if m.Attempt == 0 {
		return fmt.Errorf("%w: attempt 0", ErrBadTx)
	}
	if !slices.Contains(m.Tx.Shards(), s.cfg.ID) {
		return fmt.Errorf("%w: shard %d", ErrNotInvolved, s.cfg.ID)
	}
	ss := NewSession(m.Tx, m.Attempt)
	switch m.Type {
	case MsgLock:
		if !m.Tx.isInputShard(s.cfg.ID) {
			return fmt.Errorf("%w: shard %d holds no input", ErrNotInvolved, s.cfg.ID)
		}
		return s.vote(ss)
	case MsgProof:
		return s.proofs(ss, m)
	case MsgAck:
		if e, ok := s.sessions[sessionRef{ss.ID, ss.Attempt}]; ok {
			e.acked[m.From] = true
			return s.maybeFinish(e)
		}
		return nil
	}
	return fmt.Errorf("%w: message type %d", ErrDecode, m.Type)
}

// vote casts this shard's vote on ss, once: accept (locking every input
// here) unless the transaction already committed here, holds a lock for
// another session, has expired, an input cannot be locked, or a rejection
// is known.
func (s *Shard) vote(ss Session) error {
	if _, ok, err := s.st.vote(ss.ID, ss.Attempt); err != nil || ok {
		return err
	}
	e := s.entry(ss)
	ts, err := s.st.txState(ss.ID)
	if err != nil {
		return err
	}
	v := Vote{Tx: ss.ID, Attempt: ss.Attempt, Shard: s.cfg.ID, Decision: Reject, Epoch: s.epoch}
	var locked []Object
	var ids []common.Hash
	expired := ss.Tx.Expiry != 0 && s.epoch > ss.Tx.Expiry
	if !ts.Committed && ts.Pending == 0 && !e.rejected() && !expired {
		locked, ids, v.Locks = s.tryLock(ss)
		if locked != nil {
			v.Decision = Accept
		}
	}
	for i, o := range locked {
		if err := s.st.putObject(ids[i], o); err != nil {
			return err
		}
	}
	if v.Decision == Accept {
		ts.Pending = ss.Attempt
		if err := s.st.putTxState(ss.ID, ts); err != nil {
			return err
		}
	}
	if err := s.st.set(VoteKey(ss.ID, ss.Attempt), v.Encode()); err != nil {
		return err
	}
	if err := s.st.putTxBody(ss.Tx, ss.ID); err != nil {
		return err
	}
	if err := s.st.setPending(sessionRef{ss.ID, ss.Attempt}, true); err != nil {
		return err
	}
	e.vote = &v
	s.askCertify(e)
	return s.decide(e)
}

// tryLock locks every input of ss on this shard, or none.
func (s *Shard) tryLock(ss Session) ([]Object, []common.Hash, []LockRef) {
	var objs []Object
	var ids []common.Hash
	var refs []LockRef
	for _, in := range ss.Tx.Inputs {
		if in.Shard != s.cfg.ID {
			continue
		}
		o, ok, err := s.st.object(in.Object)
		if err != nil || !ok {
			return nil, nil, nil
		}
		if o, err = o.Lock(ss.ID, in.Kind, in.Amount); err != nil {
			return nil, nil, nil
		}
		objs, ids = append(objs, o), append(ids, in.Object)
		refs = append(refs, LockRef{Object: in.Object, Seq: o.Seq, Amount: in.Amount})
	}
	return objs, ids, refs
}

func (e *session) rejected() bool {
	for _, p := range e.proofs {
		if p.Vote.Decision == Reject {
			return true
		}
	}
	return false
}

// proofs handles MsgProof: verify each proof for ss, vote if this is an
// input shard that has not, decide if possible, and acknowledge a decided
// session to the sender.
func (s *Shard) proofs(ss Session, m Message) error {
	ref := sessionRef{ss.ID, ss.Attempt}
	e, live := s.sessions[ref]
	if !live {
		done, err := s.st.outcome(ss.ID, ss.Attempt)
		if err != nil {
			return err
		}
		if done != 0 {
			s.ack(m.From, ss)
			return nil
		}
		e = s.entry(ss)
	}
	wasDecided := e.outcome != 0
	if wasDecided {
		// Already applied: the sender only needs to hear it.
		s.ack(m.From, ss)
		return nil
	}
	var errs []error
	for _, p := range m.Proofs {
		if _, have := e.proofs[p.Vote.Shard]; have || p.Vote.Shard == s.cfg.ID {
			continue
		}
		if err := s.cfg.Verifier.Verify(p, ss, s.epoch); err != nil {
			errs = append(errs, fmt.Errorf("proof of shard %d: %w", p.Vote.Shard, err))
			continue
		}
		e.proofs[p.Vote.Shard] = p
	}
	if len(e.proofs) == 0 && e.vote == nil {
		// Nothing verified: keep no state for this session.
		delete(s.sessions, ref)
		return errors.Join(errs...)
	}
	if e.vote == nil && ss.Tx.isInputShard(s.cfg.ID) {
		if err := s.vote(ss); err != nil {
			return errors.Join(append(errs, err)...)
		}
	} else if err := s.decide(e); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if e.outcome != 0 {
		s.ack(m.From, ss)
		// Decided just now: every input shard whose proof is here is
		// waiting to hear it, not only the sender.
		for _, sh := range ss.Tx.InputShards() {
			if _, ok := e.proofs[sh]; ok && sh != m.From {
				s.ack(sh, ss)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Shard) ack(to ShardID, ss Session) {
	if to == s.cfg.ID || !ss.Tx.isInputShard(to) {
		return
	}
	s.send(to, Message{Type: MsgAck, Tx: ss.Tx, Attempt: ss.Attempt})
}

func (s *Shard) send(to ShardID, m Message) {
	m.From = s.cfg.ID
	s.ready.Messages = append(s.ready.Messages, Envelope{To: to, Msg: m})
}

// decide applies the session's outcome once it is known: abort on any
// rejection (this shard's own vote included), commit once every input shard
// accepted (this shard by its own vote, the others by proofs).
func (s *Shard) decide(e *session) error {
	if e.outcome != 0 {
		return nil
	}
	tx := e.s.Tx
	isInput := tx.isInputShard(s.cfg.ID)
	if isInput && e.vote == nil {
		return nil
	}
	var out Outcome
	switch {
	case e.rejected() || (e.vote != nil && e.vote.Decision == Reject):
		out = Abort
	default:
		for _, sh := range tx.InputShards() {
			if sh == s.cfg.ID {
				continue
			}
			if p, ok := e.proofs[sh]; !ok || p.Vote.Decision != Accept {
				return nil
			}
		}
		out = Commit
	}
	if err := s.apply(e, out); err != nil {
		return err
	}
	return s.maybeFinish(e)
}

// apply performs outcome out of session e on this shard's objects. Each
// input object moves only if it holds exactly the lock this shard's vote
// took (same transaction, same sequence number); outputs are created once
// per transaction.
func (s *Shard) apply(e *session, out Outcome) error {
	id, attempt := e.s.ID, e.s.Attempt
	if prev, err := s.st.outcome(id, attempt); err != nil {
		return err
	} else if prev != 0 {
		e.outcome = prev
		return nil
	}
	ts, err := s.st.txState(id)
	if err != nil {
		return err
	}
	var ids []common.Hash
	var objs []Object
	if e.vote != nil && e.vote.Decision == Accept {
		for _, l := range e.vote.Locks {
			o, ok, err := s.st.object(l.Object)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%w: object %s missing", ErrNotCurrentLock, l.Object)
			}
			if out == Commit {
				o, err = o.Commit(id, l.Seq)
			} else {
				o, err = o.Abort(id, l.Seq)
			}
			if err != nil {
				return fmt.Errorf("%s of %s/%d on %s: %w", out, id, attempt, l.Object, err)
			}
			ids, objs = append(ids, l.Object), append(objs, o)
		}
		if ts.Pending == attempt {
			ts.Pending = 0
		}
	}
	if out == Commit {
		ts.Committed = true
		if !ts.Credited && e.s.Tx.isOutputShard(s.cfg.ID) {
			if ids, objs, err = s.credit(e.s, ids, objs); err != nil {
				return err
			}
			ts.Credited = true
		}
	}
	for i := range ids {
		if err := s.st.putObject(ids[i], objs[i]); err != nil {
			return err
		}
	}
	if err := s.st.putTxState(id, ts); err != nil {
		return err
	}
	if err := s.st.putOutcome(id, attempt, out); err != nil {
		return err
	}
	e.outcome = out
	s.ready.Applied = append(s.ready.Applied, Applied{Tx: id, Attempt: attempt, Outcome: out})
	return nil
}

// credit appends to ids and objs the objects the transaction's outputs on
// this shard create or credit. An output may credit an account that is also
// an input here, or that another output credits: it reads through what ids
// and objs already hold.
func (s *Shard) credit(ss Session, ids []common.Hash, objs []Object) ([]common.Hash, []Object, error) {
	for i, o := range ss.Tx.Outputs {
		if o.Shard != s.cfg.ID {
			continue
		}
		if o.Kind == KindCoin {
			ids, objs = append(ids, CoinID(ss.ID, i)), append(objs, NewCoin(o.Amount))
			continue
		}
		cur, ok := Object{}, false
		for j := len(ids) - 1; j >= 0; j-- {
			if ids[j] == o.Object {
				cur, ok = objs[j], true
				break
			}
		}
		if !ok {
			var err error
			if cur, ok, err = s.st.object(o.Object); err != nil {
				return nil, nil, err
			}
			if !ok {
				cur = NewAccount(0)
			}
		}
		next, err := cur.Credit(o.Amount)
		if err != nil {
			return nil, nil, fmt.Errorf("output %d: %w", i, err)
		}
		ids, objs = append(ids, o.Object), append(objs, next)
	}
	return ids, objs, nil
}

// maybeFinish drops a session whose outcome is applied and, for an input
// shard, acknowledged by every other shard of the transaction.
func (s *Shard) maybeFinish(e *session) error {
	if e.outcome == 0 {
		return nil
	}
	ref := sessionRef{e.s.ID, e.s.Attempt}
	if e.vote != nil {
		for _, sh := range e.s.Tx.Shards() {
			if sh != s.cfg.ID && !e.acked[sh] {
				return nil
			}
		}
		if err := s.st.setPending(ref, false); err != nil {
			return err
		}
	}
	delete(s.sessions, ref)
	return nil
}

// Certified hands the shard the proof of one of its own votes, built by the
// node once the block holding the vote is final. The shard checks it like
// any other proof and sends it to every other shard of the transaction.
func (s *Shard) Certified(p Proof) error {
	ref := sessionRef{p.Vote.Tx, p.Vote.Attempt}
	e, ok := s.sessions[ref]
	if !ok || e.vote == nil || string(e.vote.Encode()) != string(p.Vote.Encode()) {
		return fmt.Errorf("%w: %s/%d", ErrUnknownVote, p.Vote.Tx, p.Vote.Attempt)
	}
	if err := s.cfg.Verifier.Verify(p, e.s, s.epoch); err != nil {
		return fmt.Errorf("own proof: %w", err)
	}
	e.mine = &p
	s.transmit(e)
	return nil
}

// transmit sends this shard's proof, plus the proofs that decided the
// session if it is decided, to every shard that has not acknowledged.
func (s *Shard) transmit(e *session) {
	bundle := []Proof{*e.mine}
	if e.outcome != 0 {
		for _, sh := range e.s.Tx.InputShards() {
			if p, ok := e.proofs[sh]; ok && (e.outcome == Commit || p.Vote.Decision == Reject) {
				bundle = append(bundle, p)
				if e.outcome == Abort {
					break
				}
			}
		}
	}
	for _, sh := range e.s.Tx.Shards() {
		if sh != s.cfg.ID && !e.acked[sh] {
			s.send(sh, Message{Type: MsgProof, Tx: e.s.Tx, Attempt: e.s.Attempt, Proofs: bundle})
		}
	}
	wait := s.cfg.RetryTicks
	if e.s.Tx.Coordinator() != s.cfg.ID {
		wait *= 2
	}
	e.retryAt = s.now + wait
}

// certifyWaitFactor is how many retransmission timeouts a shard waits for
// its node to certify a vote before asking again.
const certifyWaitFactor = 4

// askCertify asks the node for a proof of the session's own vote.
func (s *Shard) askCertify(e *session) {
	s.ready.Certify = append(s.ready.Certify, *e.vote)
	e.retryAt = s.now + certifyWaitFactor*s.cfg.RetryTicks
}

func (s *Shard) sortedRefs() []sessionRef {
	refs := make([]sessionRef, 0, len(s.sessions))
	for r := range s.sessions {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, sessionRef.cmp)
	return refs
}

// Tick advances the shard's clock by one block. Sessions whose proofs are
// not yet acknowledged by every shard are retransmitted when their timeout
// expires: this, not the client, drives every lock to commit or abort.
func (s *Shard) Tick() {
	s.now++
	for _, r := range s.sortedRefs() {
		e := s.sessions[r]
		switch {
		case e.mine != nil && s.now >= e.retryAt:
			s.transmit(e)
		case e.mine == nil && e.vote != nil && s.now >= e.retryAt:
			// The node has not certified the vote in a long while (its
			// request was lost): ask again.
			s.askCertify(e)
		}
	}
}

// SetEpoch moves the shard to a later epoch. Own proofs certified by a
// committee now too old are dropped and their votes asked for again in
// Ready.Certify, so the new committee certifies them.
func (s *Shard) SetEpoch(epoch uint64) {
	if epoch <= s.epoch {
		return
	}
	s.epoch = epoch
	for _, r := range s.sortedRefs() {
		e := s.sessions[r]
		if e.mine != nil && e.mine.Epoch+s.cfg.Verifier.EpochLag < epoch {
			e.mine = nil
			s.askCertify(e)
		}
	}
}
