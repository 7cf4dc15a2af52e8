package pob

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
)

// Candidate is a validator of the shard with what its believability is
// computed from: bonded stake, Servi (reputation from services and
// reviews), contribution history and past faults (proven misbehaviour).
type Candidate struct {
	// Address is the validator's account.
	Address common.Address
	// PublicKey is its BLS key (G2).
	PublicKey kyber.Point
	// Stake is its bonded stake.
	Stake uint64
	// Servi is its reputation balance.
	Servi uint64
	// Contribution is its contribution history (e.g. blocks produced).
	Contribution uint64
	// Faults counts its proven misbehaviours.
	Faults uint64
}

// ScoreFunc computes a candidate's believability score. It must be
// deterministic and integer-only; SelectLeagues accepts any ScoreFunc, so
// researchers can swap the rule.
type ScoreFunc func(Candidate) uint64

// ScoreWeights parameterize DefaultScore.
type ScoreWeights struct {
	Stake, Servi, Contribution uint64
}

// DefaultWeights weigh one unit of Servi like two units of stake and one of
// contribution like one of stake.
var DefaultWeights = ScoreWeights{Stake: 1, Servi: 2, Contribution: 1}

// Score is the default believability function with weights w:
//
//	(w.Stake·stake + w.Servi·servi + w.Contribution·contribution) / (1+faults)²
//
// saturating at the maximum uint64 instead of overflowing. A fault quarters
// the score; two divide it by nine — past behaviour weighs heavily.
func (w ScoreWeights) Score(c Candidate) uint64 {
	s := satAdd(satMul(w.Stake, c.Stake), satAdd(satMul(w.Servi, c.Servi), satMul(w.Contribution, c.Contribution)))
	d := satMul(satAdd(c.Faults, 1), satAdd(c.Faults, 1))
	return s / d
}

// DefaultScore is DefaultWeights.Score.
func DefaultScore(c Candidate) uint64 { return DefaultWeights.Score(c) }

func satAdd(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}

func satMul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

// Policy fixes the shape of an epoch's leagues.
type Policy struct {
	// BelievableSize is the number of believable validators (0 means 4).
	BelievableSize int
	// NormalSize is the number of normal-league validators (0 means all
	// remaining candidates).
	NormalSize int
	// MinBelievable is the fewest believable validators the two-league
	// mode needs; with fewer, the shard falls back to one league (0 means 1).
	MinBelievable int
	// MinScore is the lowest score a believable validator may have.
	MinScore uint64
	// SamplePPM is the probability, in parts per million, that a
	// normal-league validator re-validates each optimistic transaction
	// (0 means 100,000: 10%).
	SamplePPM uint32
}

// DefaultPolicy is the zero Policy with its defaults filled in.
var DefaultPolicy = Policy{BelievableSize: 4, MinBelievable: 1, SamplePPM: 100_000}

func (p Policy) withDefaults() Policy {
	if p.BelievableSize == 0 {
		p.BelievableSize = DefaultPolicy.BelievableSize
	}
	if p.MinBelievable == 0 {
		p.MinBelievable = DefaultPolicy.MinBelievable
	}
	if p.SamplePPM == 0 {
		p.SamplePPM = DefaultPolicy.SamplePPM
	}
	return p
}

// Validate reports a policy that cannot be met.
func (p Policy) Validate() error {
	p = p.withDefaults()
	switch {
	case p.BelievableSize < 0 || p.NormalSize < 0 || p.MinBelievable < 0:
		return fmt.Errorf("%w: negative size", ErrBadPolicy)
	case p.MinBelievable > p.BelievableSize:
		return fmt.Errorf("%w: MinBelievable %d above BelievableSize %d", ErrBadPolicy, p.MinBelievable, p.BelievableSize)
	case p.SamplePPM > PPM:
		return fmt.Errorf("%w: sample probability %d ppm above 1", ErrBadPolicy, p.SamplePPM)
	}
	return nil
}

// Leagues is an epoch's split of the shard's validators.
type Leagues struct {
	// Believable produces optimistic blocks; empty in one-league mode.
	Believable []Member
	// Normal samples, re-validates and runs the BFT finality; its order is
	// the committee order certificates' bitmaps use (ascending address).
	Normal []Member
	// Fallback is set when too few candidates qualified as believable and
	// the shard runs one league.
	Fallback bool
	// SamplePPM is the policy's sampling probability.
	SamplePPM uint32
}

// SelectLeagues ranks candidates by score (ties by address) and splits
// them: the best BelievableSize candidates without faults and with at
// least MinScore become the believable league, the next NormalSize the
// normal league. With fewer than MinBelievable qualified believable
// candidates it falls back to one league of the best NormalSize (or all)
// candidates. score nil means DefaultScore. Both leagues come out sorted
// by address, so the result does not depend on the input order.
func SelectLeagues(cands []Candidate, p Policy, score ScoreFunc) (Leagues, error) {
	if err := p.Validate(); err != nil {
		return Leagues{}, err
	}
	p = p.withDefaults()
	if score == nil {
		score = DefaultScore
	}
	type ranked struct {
		c     Candidate
		score uint64
	}
	rs := make([]ranked, len(cands))
	for i, c := range cands {
		rs[i] = ranked{c, score(c)}
	}
	slices.SortFunc(rs, func(a, b ranked) int {
		if a.score != b.score {
			if a.score > b.score {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.c.Address[:], b.c.Address[:])
	})
	seen := map[common.Address]bool{}
	for _, r := range rs {
		if seen[r.c.Address] {
			return Leagues{}, fmt.Errorf("%w: duplicate candidate %s", ErrBadPolicy, r.c.Address)
		}
		seen[r.c.Address] = true
	}
	var bel, rest []ranked
	for _, r := range rs {
		if len(bel) < p.BelievableSize && r.c.Faults == 0 && r.score >= p.MinScore {
			bel = append(bel, r)
		} else {
			rest = append(rest, r)
		}
	}
	out := Leagues{SamplePPM: p.SamplePPM}
	if len(bel) < p.MinBelievable {
		out.Fallback = true
		rest, bel = rs, nil
	}
	if p.NormalSize > 0 && len(rest) > p.NormalSize {
		rest = rest[:p.NormalSize]
	}
	toMembers := func(rs []ranked) []Member {
		ms := make([]Member, len(rs))
		for i, r := range rs {
			ms[i] = Member{Address: r.c.Address, PublicKey: r.c.PublicKey}
		}
		slices.SortFunc(ms, func(a, b Member) int { return bytes.Compare(a.Address[:], b.Address[:]) })
		return ms
	}
	out.Believable, out.Normal = toMembers(bel), toMembers(rest)
	if len(out.Normal) == 0 {
		return Leagues{}, fmt.Errorf("%w: no normal-league validator", ErrBadPolicy)
	}
	return out, nil
}
