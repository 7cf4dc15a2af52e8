package drp

import "fmt"

// RunLocalDKG runs a complete DKG among members that all live in this
// process — a single-process test network, a simulator, a node that hosts
// every validator — and returns each member's key share, in cfgs order.
// cfgs[i] is member i's configuration (the same Members and Nonce for all;
// each its own Longterm key and Rand). Every message goes through its wire
// encoding to every other member, in the order sent, and members are
// ticked through their phase timeouts when nothing is in flight, exactly
// as a network that loses nothing would run it: the result is
// deterministic for deterministic Rand sources.
//
// Members that run in separate processes drive NewDKG themselves over
// their network; this function is for when none does.
func RunLocalDKG(cfgs []DKGConfig) ([]*KeyShare, error) {
	if len(cfgs) == 0 {
		return nil, fmt.Errorf("%w: no members", ErrBadConfig)
	}
	scheme := cfgs[0].Scheme
	dkgs := make([]*DKG, len(cfgs))
	for i, c := range cfgs {
		d, err := NewDKG(c)
		if err != nil {
			return nil, fmt.Errorf("drp: local dkg member %d: %w", i, err)
		}
		dkgs[i] = d
	}
	type sent struct {
		from int
		data []byte
	}
	var queue []sent
	send := func(from int, ms []DKGMessage) error {
		for _, m := range ms {
			b, err := m.MarshalBinary()
			if err != nil {
				return err
			}
			queue = append(queue, sent{from, b})
		}
		return nil
	}
	for i, d := range dkgs {
		out, err := d.Start()
		if err != nil {
			return nil, fmt.Errorf("drp: local dkg member %d: %w", i, err)
		}
		if err := send(i, out); err != nil {
			return nil, err
		}
	}
	for ticks := 0; ; ticks++ {
		for len(queue) > 0 {
			q := queue[0]
			queue = queue[1:]
			for i, d := range dkgs {
				if i == q.from {
					continue
				}
				m, err := UnmarshalDKGMessage(scheme, q.data)
				if err != nil {
					return nil, err
				}
				out, err := d.Step(m)
				if err != nil {
					return nil, fmt.Errorf("drp: local dkg member %d refused a message of %d: %w", i, q.from, err)
				}
				if err := send(i, out); err != nil {
					return nil, err
				}
			}
		}
		done := true
		for _, d := range dkgs {
			done = done && d.Done()
		}
		if done {
			break
		}
		if ticks > 10*DefaultPhaseTicks {
			return nil, fmt.Errorf("%w: local dkg did not finish", ErrDKGFailed)
		}
		for i, d := range dkgs {
			out, err := d.Tick()
			if err != nil {
				return nil, fmt.Errorf("drp: local dkg member %d: %w", i, err)
			}
			if err := send(i, out); err != nil {
				return nil, err
			}
		}
	}
	shares := make([]*KeyShare, len(dkgs))
	for i, d := range dkgs {
		ks, err := d.Result()
		if err != nil {
			return nil, fmt.Errorf("drp: local dkg member %d: %w", i, err)
		}
		shares[i] = ks
	}
	return shares, nil
}
