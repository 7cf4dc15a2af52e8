package pob

import (
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// chain is the believable-league state every replica derives from the
// finalized chain (convictions, sequence numbers, activity), plus what this
// replica knows locally and has not seen finalized yet (evidence, pending
// optimistic blocks).
type chain struct {
	lastSeq      []uint64 // last finalized sequence number per producer
	lastIncluded []uint64 // height of the last finalized block per producer
	convicted    []bool   // convicted in a finalized block
	suspect      []bool   // convicted by evidence known locally
	rechecked    []bool

	pending map[uint32]map[uint64]OptimisticBlock
	sampled map[common.Hash]*FraudProof

	pendingFrauds []FraudProof
	fraudKnown    map[fraudKey]bool // pending or finalized
	fraudFinal    map[fraudKey]bool
	pendingEquiv  []Equivocation
	equivKnown    map[evidenceKey]bool
	equivFinal    map[evidenceKey]bool

	slashed map[Culprit]bool // convicted in a finalized block already

	window     []windowEntry       // finalized optimistic blocks within RecheckWindow
	finalizedO map[common.Hash]int // hash → count in window

	producedSeq uint64
	produced    []OptimisticBlock
}

type windowEntry struct {
	height uint64
	block  OptimisticBlock
}

func (c *chain) init(nb int, start uint64) {
	c.lastSeq = make([]uint64, nb)
	c.lastIncluded = make([]uint64, nb)
	for i := range c.lastIncluded {
		c.lastIncluded[i] = start - 1
	}
	c.convicted = make([]bool, nb)
	c.suspect = make([]bool, nb)
	c.rechecked = make([]bool, nb)
	c.pending = map[uint32]map[uint64]OptimisticBlock{}
	c.sampled = map[common.Hash]*FraudProof{}
	c.fraudKnown, c.fraudFinal = map[fraudKey]bool{}, map[fraudKey]bool{}
	c.equivKnown, c.equivFinal = map[evidenceKey]bool{}, map[evidenceKey]bool{}
	c.finalizedO = map[common.Hash]int{}
	c.slashed = map[Culprit]bool{}
}

// Route picks the believable producer (0 ≤ index < producers) a
// transaction goes to: Keccak-256 of the transaction, modulo the league
// size, so transactions spread evenly and a user cannot pick its producer
// except by changing its transaction.
func Route(tx []byte, producers int) int {
	if producers <= 0 {
		return -1
	}
	h := crypto.Keccak256(tx)
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(producers))
}

// fallback is the one-league rule, a function of the finalized chain only
// so that every replica agrees on it: too few believable validators are
// neither convicted nor absent (no finalized block for AbsentAfter heights).
func (m *Machine) fallback() bool {
	active := 0
	for p := range m.lastSeq {
		if !m.convicted[p] && m.height-m.lastIncluded[p] <= m.cfg.AbsentAfter {
			active++
		}
	}
	return active < m.cfg.MinBelievable
}

func (m *Machine) produce() {
	p := m.prod
	if m.convicted[p] || m.suspect[p] || len(m.produced) >= m.cfg.MaxPending || m.held() {
		return
	}
	txs := m.cfg.App.Propose(m.height, m.cfg.MaxTxs)
	if len(txs) == 0 {
		return
	}
	if len(txs) > m.cfg.MaxTxs {
		txs = txs[:m.cfg.MaxTxs]
	}
	o := OptimisticBlock{Domain: m.cfg.Domain, Producer: uint32(p), Seq: m.producedSeq + 1, Base: m.height - 1, Txs: txs}
	sig, err := m.cfg.Signer.Sign(o.SignBytes())
	if err != nil {
		m.cfg.Logger.Debug("pob: sign optimistic block", "err", err)
		return
	}
	o.Sig = sig
	m.producedSeq++
	m.produced = append(m.produced, o)
	m.dirty = true
	m.sigOK[o.Hash()] = true
	m.addPending(o)
	m.rd.Optimistic = append(m.rd.Optimistic, o)
	m.broadcast(Message{Kind: KindOptimistic, Optimistic: &o})
}

func (m *Machine) addPending(o OptimisticBlock) {
	ps, ok := m.pending[o.Producer]
	if !ok {
		ps = map[uint64]OptimisticBlock{}
		m.pending[o.Producer] = ps
	}
	ps[o.Seq] = o
}

func (m *Machine) checkOptimisticSig(o OptimisticBlock) error {
	h := o.Hash()
	if m.sigOK[h] {
		return nil
	}
	if err := m.cfg.Verifier.Verify(m.bkeys[o.Producer], o.SignBytes(), o.Sig); err != nil {
		return err
	}
	if len(m.sigOK) > 1<<14 {
		clear(m.sigOK)
	}
	m.sigOK[h] = true
	return nil
}

func (m *Machine) onOptimistic(o OptimisticBlock) error {
	if o.Domain != m.cfg.Domain {
		return ErrWrongDomain
	}
	if int(o.Producer) >= len(m.bkeys) {
		return fmt.Errorf("%w: producer %d", ErrUnknownValidator, o.Producer)
	}
	p := o.Producer
	if m.convicted[p] || o.Seq <= m.lastSeq[p] || o.Seq > m.lastSeq[p]+uint64(2*m.cfg.MaxPending) {
		return nil // convicted, final already, or too far ahead
	}
	if old, ok := m.pending[p][o.Seq]; ok {
		if old.Hash() == o.Hash() {
			return nil
		}
		if err := m.checkOptimisticSig(o); err != nil {
			return err
		}
		m.addEquivocation(Equivocation{Blocks: []OptimisticBlock{old, o}}, true)
		return nil
	}
	if err := m.checkOptimisticSig(o); err != nil {
		return err
	}
	if m.suspect[p] {
		return nil
	}
	m.addPending(o)
	m.rd.Optimistic = append(m.rd.Optimistic, o)
	if fp := m.sample(o); fp != nil {
		m.addFraud(*fp, true)
	}
	return nil
}

// sample re-validates this validator's VRF-drawn sample of o's
// transactions; a failing one gives a fraud proof. Only normal-league
// members sample.
func (m *Machine) sample(o OptimisticBlock) *FraudProof {
	if m.self < 0 {
		return nil
	}
	h := o.Hash()
	if fp, ok := m.sampled[h]; ok {
		return fp
	}
	var found *FraudProof
	proof, err := m.cfg.Signer.Sign(SampleInput(m.cfg.Domain, h))
	if err == nil {
		seed := SampleSeed(proof)
		for _, i := range SampleIndices(seed, len(o.Txs), m.cfg.SamplePPM) {
			if m.cfg.App.Validate(o.Txs[i]) != nil {
				found = &FraudProof{Block: o, Index: uint32(i)}
				break
			}
		}
	}
	if len(m.sampled) > 1<<14 {
		clear(m.sampled)
	}
	m.sampled[h] = found
	return found
}

func (m *Machine) onFraud(f FraudProof) error {
	if m.fraudKnown[f.key()] {
		return nil
	}
	if err := VerifyFraudProof(m.bkeys, m.cfg.Domain, m.cfg.App, m.cfg.Verifier, f); err != nil {
		return err
	}
	m.addFraud(f, true)
	return nil
}

// addFraud records a verified fraud proof: the producer becomes a suspect
// (its pending blocks are no longer combined), its finalized blocks in the
// window are re-checked in full, and the proof waits for a proposer to
// include it.
func (m *Machine) addFraud(f FraudProof, gossip bool) bool {
	k := f.key()
	if m.fraudKnown[k] {
		return false
	}
	m.fraudKnown[k] = true
	m.pendingFrauds = append(m.pendingFrauds, f)
	if gossip {
		m.broadcast(Message{Kind: KindFraud, Fraud: &f})
	}
	m.suspectProducer(int(f.Block.Producer))
	return true
}

func (m *Machine) suspectProducer(p int) {
	m.suspect[p] = true
	if m.rechecked[p] {
		return
	}
	m.rechecked[p] = true
	for _, e := range m.window {
		if int(e.block.Producer) != p {
			continue
		}
		for i, tx := range e.block.Txs {
			if m.cfg.App.Validate(tx) != nil {
				m.addFraud(FraudProof{Block: e.block, Index: uint32(i)}, true)
			}
		}
	}
}

func (m *Machine) onEquivocation(e Equivocation) error {
	k, err := verifyEquivocation(m.keys, m.bkeys, m.cfg.Domain, m.cfg.Verifier, e)
	if err != nil {
		return err
	}
	if m.equivKnown[k] {
		return nil
	}
	m.addEquivocation(e, true)
	return nil
}

// addEquivocation records evidence whose signatures were checked.
func (m *Machine) addEquivocation(e Equivocation, gossip bool) {
	k := evidenceKeyOf(e)
	if m.equivKnown[k] {
		return
	}
	m.equivKnown[k] = true
	m.pendingEquiv = append(m.pendingEquiv, e)
	if gossip {
		m.broadcast(Message{Kind: KindEquivocation, Equivocation: &e})
	}
	if k.culprit.League == Believable {
		m.suspectProducer(int(k.culprit.Index))
	}
}

// evidenceKeyOf names the slot evidence is about, without checking it.
func evidenceKeyOf(e Equivocation) evidenceKey {
	switch {
	case len(e.Votes) == 2:
		v := e.Votes[0]
		return evidenceKey{Culprit{Normal, v.Voter}, 1, v.Height, v.Round, v.Type}
	case len(e.Proposals) == 2:
		p := e.Proposals[0]
		return evidenceKey{Culprit{Normal, p.Proposer}, 2, p.Height, p.Round, 0}
	case len(e.Blocks) == 2:
		o := e.Blocks[0]
		return evidenceKey{Culprit{Believable, o.Producer}, 3, o.Seq, 0, 0}
	}
	return evidenceKey{}
}

// maxEvidence bounds the proofs and evidence one block carries.
const maxEvidence = 64

// build assembles a fresh block: known evidence, then each honest-looking
// producer's next optimistic blocks in sequence order (after this
// proposer's own sample of them), then — in one-league mode — the
// application's transactions.
func (m *Machine) build() Block {
	b := Block{Domain: m.cfg.Domain, Height: m.height, Parent: m.parent, Builder: uint32(max(m.self, 0))}
	for p := range m.lastSeq {
		if m.convicted[p] || m.suspect[p] {
			continue
		}
		var mine []OptimisticBlock
		for seq := m.lastSeq[p] + 1; len(b.Optimistic)+len(mine) < m.cfg.MaxOptimistic; seq++ {
			o, ok := m.pending[uint32(p)][seq]
			if !ok {
				break
			}
			if fp := m.sample(o); fp != nil {
				m.addFraud(*fp, true)
				mine = nil
				break
			}
			mine = append(mine, o)
		}
		b.Optimistic = append(b.Optimistic, mine...)
	}
	for _, f := range m.pendingFrauds {
		if len(b.Frauds) < maxEvidence && !m.fraudFinal[f.key()] {
			b.Frauds = append(b.Frauds, f)
		}
	}
	for _, e := range m.pendingEquiv {
		if len(b.Equivocations) < maxEvidence && !m.equivFinal[evidenceKeyOf(e)] {
			b.Equivocations = append(b.Equivocations, e)
		}
	}
	if m.fallback() {
		txs := m.cfg.App.Propose(m.height, m.cfg.MaxTxs)
		if len(txs) > m.cfg.MaxTxs {
			txs = txs[:m.cfg.MaxTxs]
		}
		b.Payload = txs
	}
	return b
}

// validate is the prevote rule: everything in b checks out and this
// validator's own sample of every optimistic block passes.
func (m *Machine) validate(b Block) error {
	if b.Domain != m.cfg.Domain {
		return ErrWrongDomain
	}
	if b.Height != m.height || b.Parent != m.parent {
		return fmt.Errorf("%w: does not extend the chain", ErrInvalidBlock)
	}
	if int(b.Builder) >= m.n || len(b.Frauds) > maxEvidence || len(b.Equivocations) > maxEvidence {
		return fmt.Errorf("%w: bad builder or too much evidence", ErrInvalidBlock)
	}
	convictedHere := map[uint32]bool{}
	seenF := map[fraudKey]bool{}
	for _, f := range b.Frauds {
		k := f.key()
		if seenF[k] || m.fraudFinal[k] {
			return fmt.Errorf("%w: fraud proof repeated", ErrInvalidBlock)
		}
		seenF[k] = true
		if !m.fraudKnown[k] {
			if err := VerifyFraudProof(m.bkeys, m.cfg.Domain, m.cfg.App, m.cfg.Verifier, f); err != nil {
				return err
			}
			m.addFraud(f, false)
		}
		convictedHere[f.Block.Producer] = true
	}
	seenE := map[evidenceKey]bool{}
	for _, e := range b.Equivocations {
		k := evidenceKeyOf(e)
		if seenE[k] || m.equivFinal[k] {
			return fmt.Errorf("%w: evidence repeated", ErrInvalidBlock)
		}
		seenE[k] = true
		if !m.equivKnown[k] {
			if _, err := verifyEquivocation(m.keys, m.bkeys, m.cfg.Domain, m.cfg.Verifier, e); err != nil {
				return err
			}
			m.addEquivocation(e, false)
		}
		if k.culprit.League == Believable {
			convictedHere[k.culprit.Index] = true
		}
	}
	if len(b.Optimistic) > m.cfg.MaxOptimistic {
		return fmt.Errorf("%w: %d optimistic blocks", ErrInvalidBlock, len(b.Optimistic))
	}
	next := map[uint32]uint64{}
	last := -1
	for _, o := range b.Optimistic {
		p := o.Producer
		if o.Domain != m.cfg.Domain || int(p) >= len(m.bkeys) || int(p) < last {
			return fmt.Errorf("%w: optimistic block out of order or foreign", ErrInvalidBlock)
		}
		last = int(p)
		if m.convicted[p] || m.suspect[p] || convictedHere[p] {
			return fmt.Errorf("%w: producer %d is convicted", ErrInvalidBlock, p)
		}
		want, ok := next[p]
		if !ok {
			want = m.lastSeq[p] + 1
		}
		if o.Seq != want || len(o.Txs) == 0 || len(o.Txs) > m.cfg.MaxTxs {
			return fmt.Errorf("%w: producer %d sequence %d (want %d) or size", ErrInvalidBlock, p, o.Seq, want)
		}
		next[p] = want + 1
		if err := m.checkOptimisticSig(o); err != nil {
			return err
		}
		if old, ok := m.pending[p][o.Seq]; ok && old.Hash() != o.Hash() {
			m.addEquivocation(Equivocation{Blocks: []OptimisticBlock{old, o}}, true)
			return fmt.Errorf("%w: producer %d equivocated at sequence %d", ErrInvalidBlock, p, o.Seq)
		}
		if fp := m.sample(o); fp != nil {
			m.addFraud(*fp, true)
			return fmt.Errorf("%w: sampled transaction %d of producer %d is invalid", ErrInvalidBlock, fp.Index, p)
		}
	}
	if len(b.Payload) > 0 {
		if !m.fallback() {
			return fmt.Errorf("%w: payload outside one-league mode", ErrInvalidBlock)
		}
		if len(b.Payload) > m.cfg.MaxTxs {
			return fmt.Errorf("%w: payload of %d transactions", ErrInvalidBlock, len(b.Payload))
		}
		for i, tx := range b.Payload {
			if err := m.cfg.App.Validate(tx); err != nil {
				return fmt.Errorf("%w: payload transaction %d: %v", ErrInvalidBlock, i, err)
			}
		}
	}
	return nil
}

// applyCommit updates the chain state with a finalized block: evidence
// convicts (Slasher, compensation for transactions finalized earlier),
// optimistic blocks advance their producers' sequences and clear their
// Servi. It trusts the block: a quorum certified it.
func (m *Machine) applyCommit(c Commit, quiet bool) {
	b := c.Block
	type conv struct {
		culprit Culprit
		reason  string
		pay     []Payout
	}
	var convs []conv
	convict := func(k Culprit, reason string, pay []Payout) {
		for i := range convs {
			if convs[i].culprit == k {
				convs[i].pay = append(convs[i].pay, pay...)
				return
			}
		}
		convs = append(convs, conv{k, reason, pay})
	}
	comp, _ := m.cfg.App.(Compensator)
	for _, e := range b.Equivocations {
		k := evidenceKeyOf(e)
		m.equivFinal[k], m.equivKnown[k] = true, true
		reason := "equivocation"
		if k.culprit.League == Believable && int(k.culprit.Index) < len(m.convicted) {
			m.convicted[k.culprit.Index] = true
			m.suspect[k.culprit.Index] = true
		}
		convict(k.culprit, reason, nil)
	}
	for _, f := range b.Frauds {
		k := f.key()
		m.fraudFinal[k], m.fraudKnown[k] = true, true
		p := f.Block.Producer
		if int(p) >= len(m.convicted) {
			continue
		}
		m.convicted[p], m.suspect[p] = true, true
		convict(Culprit{Believable, p}, "fraud", nil)
	}
	// A producer convicted for the first time has every finalized block in
	// the window re-checked in full — by every replica, at this height, so
	// all agree — and each user of an invalid transaction found there is
	// compensated from the seized stake.
	for i := range convs {
		c := convs[i].culprit
		if c.League != Believable || m.slashed[c] || comp == nil {
			continue
		}
		for _, e := range m.window {
			if e.block.Producer != c.Index {
				continue
			}
			for _, tx := range e.block.Txs {
				if m.cfg.App.Validate(tx) != nil {
					convs[i].pay = append(convs[i].pay, comp.Compensation(tx)...)
				}
			}
		}
	}
	cleared := map[uint32]bool{}
	for _, o := range b.Optimistic {
		p := o.Producer
		if int(p) >= len(m.lastSeq) {
			continue
		}
		m.lastSeq[p], m.lastIncluded[p] = o.Seq, b.Height
		delete(m.pending[p], o.Seq)
		m.window = append(m.window, windowEntry{b.Height, o})
		m.finalizedO[o.Hash()]++
		if !quiet && m.cfg.Servi != nil && !cleared[p] {
			cleared[p] = true
			if err := m.cfg.Servi.ClearServi(m.cfg.Believable[p].Address); err != nil {
				m.cfg.Logger.Debug("pob: clear servi", "err", err)
			}
		}
	}
	cut := 0
	for cut < len(m.window) && m.window[cut].height+m.cfg.RecheckWindow <= b.Height {
		h := m.window[cut].block.Hash()
		if m.finalizedO[h]--; m.finalizedO[h] <= 0 {
			delete(m.finalizedO, h)
		}
		cut++
	}
	m.window = m.window[cut:]
	m.pendingFrauds = deleteFunc(m.pendingFrauds, func(f FraudProof) bool { return m.fraudFinal[f.key()] })
	m.pendingEquiv = deleteFunc(m.pendingEquiv, func(e Equivocation) bool { return m.equivFinal[evidenceKeyOf(e)] })
	for _, cv := range convs {
		if m.slashed[cv.culprit] {
			// Slashed once: all its stake is gone. Later proofs only
			// confirm; the proposer that first includes a conviction
			// includes the re-check's proofs with it, so compensation is
			// paid from the seized stake at once.
			continue
		}
		m.slashed[cv.culprit] = true
		addr := m.addressOf(cv.culprit)
		if !quiet && m.cfg.Slasher != nil {
			if err := m.cfg.Slasher.Slash(addr, cv.pay); err != nil {
				m.cfg.Logger.Debug("pob: slash", "validator", addr, "err", err)
			}
		}
		if !quiet {
			m.rd.Convictions = append(m.rd.Convictions, Conviction{Height: b.Height, Culprit: cv.culprit, Address: addr, Reason: cv.reason, Compensate: cv.pay})
		}
	}
	for p := range m.convicted {
		if !m.suspect[p] {
			continue
		}
		if ps := m.pending[uint32(p)]; len(ps) > 0 {
			for seq := m.lastSeq[p] + 1; seq <= m.lastSeq[p]+uint64(2*m.cfg.MaxPending); seq++ {
				if o, ok := ps[seq]; ok && !quiet {
					m.rd.Discarded = append(m.rd.Discarded, o)
				}
			}
			delete(m.pending, uint32(p))
		}
	}
	if m.prod >= 0 {
		m.produced = deleteFunc(m.produced, func(o OptimisticBlock) bool { return o.Seq <= m.lastSeq[m.prod] })
	}
}

func (m *Machine) addressOf(c Culprit) common.Address {
	if c.League == Believable {
		if int(c.Index) < len(m.cfg.Believable) {
			return m.cfg.Believable[c.Index].Address
		}
	} else if int(c.Index) < len(m.cfg.Committee) {
		return m.cfg.Committee[c.Index].Address
	}
	return common.Address{}
}

func deleteFunc[T any](s []T, del func(T) bool) []T {
	out := s[:0]
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out
}
