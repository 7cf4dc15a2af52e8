package calib

import (
	"errors"
	"time"

	"github.com/drand/kyber/share"
	"github.com/drand/kyber/util/random"

	"github.com/iostkit/iostkit/drp"
)

// DRPCosts are the costs of a drp beacon round (drand's unchained scheme on
// G1, drp's default) for the simulated beacon (examples/sim/drpsim). A
// calibration written before these existed has none; the simulator then
// refuses to simulate the beacon.
type DRPCosts struct {
	// PartialSign is one member's partial signature of a round
	// (drp.Signer.SignPartial).
	PartialSign time.Duration `json:"partial_sign_ns,omitempty"`
	// PartialVerify is checking one partial (drp.Group.VerifyPartial): a
	// member pays it for every partial it receives after the threshold,
	// and for the beacon it is handed.
	PartialVerify time.Duration `json:"partial_verify_ns,omitempty"`
	// Collect is a drp.RoundCollector taking Threshold partials of a
	// Members-member group — each verified on arrival — and recovering the
	// group signature, divided by Threshold: what a member pays per
	// partial until it holds the round.
	Collect time.Duration `json:"collect_per_partial_ns,omitempty"`
	// BeaconVerify is checking a recovered beacon with the group key.
	BeaconVerify time.Duration `json:"beacon_verify_ns,omitempty"`
	// Members and Threshold are the group Collect was measured on.
	Members   int `json:"members,omitempty"`
	Threshold int `json:"threshold,omitempty"`
}

// Complete reports whether every drp cost is measured.
func (d DRPCosts) Complete() bool {
	return d.PartialSign > 0 && d.PartialVerify > 0 && d.Collect > 0 && d.BeaconVerify > 0
}

// ErrNoDRP means a calibration without drp costs used to simulate the beacon.
var ErrNoDRP = errors.New("calib: the calibration has no drp costs (measure them with -calibrate, or -calibrate-add to add them to a file)")

// drpMembers is the beacon committee the costs are measured on: the example
// node's (BeaconCommittee).
const drpMembers = 10

// MeasureDRP times the DRPCosts operations on this machine, in this process.
// The group's shares come from a polynomial dealt here (the DKG's output has
// the same shape, and no round operation depends on how it was made).
func MeasureDRP(o Options) (DRPCosts, error) {
	o = o.withDefaults()
	scheme := drp.MustScheme(drp.DefaultSchemeID)
	n := drpMembers
	t := n/2 + 1
	rnd := random.New(bytesReader(sha256Bytes("iostkit calibration drp")))
	poly := share.NewPriPoly(scheme.KeyGroup(), t, nil, rnd)
	_, commits := poly.Commit(nil).Info()
	g, err := drp.NewGroup(scheme, commits, n)
	if err != nil {
		return DRPCosts{}, err
	}
	keys := make([]*drp.KeyShare, n)
	for i, s := range poly.Shares(n) {
		if keys[i], err = drp.NewKeyShare(g, s); err != nil {
			return DRPCosts{}, err
		}
	}
	d := DRPCosts{Members: n, Threshold: t}
	step := func(name string, dst *time.Duration, per int, op func() error) {
		if err != nil {
			return
		}
		if o.Progress != nil {
			o.Progress(name)
		}
		var v time.Duration
		if v, err = timeOp(op, o.Budget, o.Rounds); err != nil {
			err = errors.Join(errors.New("calib: "+name), err)
			return
		}
		*dst = max(v/time.Duration(per), 1)
	}
	round := uint64(0)
	step("drp partial sign", &d.PartialSign, 1, func() error {
		round++
		_, err := drp.NewSigner(keys[0]).SignPartial(round, nil)
		return err
	})
	if err != nil {
		return DRPCosts{}, err
	}
	const r = 7
	parts := make([]*drp.Partial, n)
	for i := range parts {
		if parts[i], err = drp.NewSigner(keys[i]).SignPartial(r, nil); err != nil {
			return DRPCosts{}, err
		}
	}
	step("drp partial verify", &d.PartialVerify, 1, func() error { return g.VerifyPartial(parts[0], r, nil) })
	var beacon *drp.Beacon
	step("drp collect", &d.Collect, t, func() error {
		c := drp.NewRoundCollector(g, r, nil)
		for _, p := range parts[:t] {
			b, err := c.Add(p)
			if err != nil {
				return err
			}
			beacon = b
		}
		if beacon == nil {
			return errors.New("no beacon from a threshold of partials")
		}
		return nil
	})
	step("drp beacon verify", &d.BeaconVerify, 1, func() error { return g.VerifyBeacon(beacon) })
	return d, err
}
