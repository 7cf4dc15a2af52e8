package drpsim

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/drand/kyber"
	"github.com/drand/kyber/xof/blake2xb"

	"github.com/iostkit/iostkit/drp"
	"github.com/iostkit/iostkit/examples/sim/calib"
	"github.com/iostkit/iostkit/examples/sim/des"
)

// Group is a beacon committee after a real DKG: the group key and every
// member's key share.
type Group struct {
	group *drp.Group
	keys  []*drp.KeyShare
}

// NewGroup runs drp's DKG among n members whose long-term keys and secret
// polynomials derive from seed, all in this process (drp.RunLocalDKG), and
// returns the resulting group (threshold n/2+1, drp's default).
func NewGroup(seed uint64, n int) (*Group, error) {
	if n < 1 {
		return nil, errors.New("drpsim: a group needs members")
	}
	scheme := drp.MustScheme(drp.DefaultSchemeID)
	xof := func(kind string, i int) kyber.XOF {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:], seed)
		binary.BigEndian.PutUint64(b[8:], uint64(i))
		h := sha256.Sum256(append([]byte("iostkit sim drp "+kind), b[:]...))
		return blake2xb.New(h[:])
	}
	members := make([]drp.Member, n)
	secrets := make([]kyber.Scalar, n)
	for i := range members {
		sk, pk := drp.NewLongtermKey(scheme, xof("longterm", i))
		secrets[i], members[i] = sk, drp.Member{Index: uint32(i), Public: pk}
	}
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], seed)
	nonce := sha256.Sum256(append([]byte("iostkit sim drp dkg"), nb[:]...))
	cfgs := make([]drp.DKGConfig, n)
	for i := range cfgs {
		cfgs[i] = drp.DKGConfig{Scheme: scheme, Longterm: secrets[i], Members: members, Nonce: nonce[:], Rand: xof("poly", i)}
	}
	keys, err := drp.RunLocalDKG(cfgs)
	if err != nil {
		return nil, fmt.Errorf("drpsim: dkg: %w", err)
	}
	return &Group{group: keys[0].Group(), keys: keys}, nil
}

// Size is the number of members.
func (g *Group) Size() int { return len(g.keys) }

// Threshold is the number of partials that recover a round.
func (g *Group) Threshold() int { return g.group.Threshold() }

// SignPartial is member m's partial signature of round.
func (g *Group) SignPartial(m int, round uint64) (*drp.Partial, error) {
	return drp.NewSigner(g.keys[m]).SignPartial(round, nil)
}

// Group is the public group (its key verifies every round).
func (g *Group) Group() *drp.Group { return g.group }

// Config describes the simulated environment of the beacon.
type Config struct {
	// Net describes the links between members.
	Net des.NetConfig
	// Cores is each member's CPU cores; zero means 2.
	Cores int
	// Costs are the calibrated drp costs. Required (Complete).
	Costs calib.DRPCosts
	// Down is the number of members offline (the last ones): they sign
	// nothing.
	Down int
	// Gap is the time between the starts of successive rounds; zero means
	// one second.
	Gap time.Duration
	// Seed fixes the network's random draws.
	Seed uint64
}

// Round is what one simulated beacon round produced.
type Round struct {
	// Round is the beacon round number.
	Round uint64 `json:"round"`
	// Randomness is SHA-256 of the round's group signature.
	Randomness []byte `json:"randomness"`
	// First and Last are the times from the round's start until the first
	// and the last online member held the verified beacon.
	First time.Duration `json:"first_ns"`
	Last  time.Duration `json:"last_ns"`
	// Holders is the number of members that held the beacon.
	Holders int `json:"holders"`
	// Messages and Bytes are the partials sent and their size.
	Messages int `json:"messages"`
	Bytes    int `json:"bytes"`
}

// ErrNoBeacon means a round that fewer than Threshold online members could
// sign.
var ErrNoBeacon = errors.New("drpsim: round not recovered")

// Simulate runs rounds of g's beacon, one every cfg.Gap, and returns them in
// order.
func Simulate(g *Group, cfg Config, rounds []uint64) ([]Round, error) {
	if !cfg.Costs.Complete() {
		return nil, calib.ErrNoDRP
	}
	if cfg.Cores <= 0 {
		cfg.Cores = 2
	}
	if cfg.Gap <= 0 {
		cfg.Gap = time.Second
	}
	n, t := g.Size(), g.Threshold()
	if cfg.Down < 0 || n-cfg.Down < t {
		return nil, fmt.Errorf("%w: %d of %d members online, threshold %d", ErrNoBeacon, n-cfg.Down, n, t)
	}
	sim := des.New(cfg.Seed)
	net, err := des.NewNetwork(sim, n, cfg.Net)
	if err != nil {
		return nil, err
	}
	cpus := make([]*des.CPU, n)
	for i := range cpus {
		cpus[i] = des.NewCPU(sim, cfg.Cores)
	}
	out := make([]Round, len(rounds))
	var failed error
	c := cfg.Costs
	for ri, round := range rounds {
		start := time.Duration(ri) * cfg.Gap
		res := &out[ri]
		res.Round = round
		// The real checks, once per round: every distinct partial through
		// one collector, the recovered beacon against the group key.
		collector := drp.NewRoundCollector(g.group, round, nil)
		have := make([]int, n)
		seen := map[int]bool{}
		recv := func(j int, p *drp.Partial) {
			if have[j] >= t {
				return // a member ignores partials of a round it holds
			}
			cpus[j].Run(c.Collect, func() {
				if have[j] >= t {
					return
				}
				if idx, _ := p.Index(); res.Randomness == nil && !seen[idx] {
					seen[idx] = true
					b, err := collector.Add(p)
					if err != nil {
						failed = errors.Join(failed, fmt.Errorf("drpsim: round %d: %w", round, err))
						return
					}
					if b != nil {
						if err := g.group.VerifyBeacon(b); err != nil {
							failed = errors.Join(failed, err)
							return
						}
						res.Randomness = b.Randomness()
					}
				}
				if have[j]++; have[j] < t {
					return
				}
				cpus[j].Run(c.BeaconVerify, func() {
					at := sim.Now() - start
					if res.Holders == 0 {
						res.First = at
					}
					res.Last = at
					res.Holders++
				})
			})
		}
		sim.At(start, func() {
			for m := range n - cfg.Down {
				cpus[m].Run(c.PartialSign, func() {
					p, err := g.SignPartial(m, round)
					if err != nil {
						failed = errors.Join(failed, err)
						return
					}
					raw, err := p.MarshalBinary()
					if err != nil {
						failed = errors.Join(failed, err)
						return
					}
					recv(m, p)
					for j := range n - cfg.Down {
						if j == m {
							continue
						}
						res.Messages++
						res.Bytes += len(raw)
						net.Send(m, j, len(raw), func() { recv(j, p) })
					}
				})
			}
		})
	}
	sim.RunUntil(time.Duration(len(rounds)+10) * cfg.Gap)
	if failed != nil {
		return nil, failed
	}
	for _, r := range out {
		if r.Randomness == nil || r.Holders != n-cfg.Down {
			return nil, fmt.Errorf("%w: round %d", ErrNoBeacon, r.Round)
		}
	}
	return out, nil
}
