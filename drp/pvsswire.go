package drp

import (
	"fmt"

	"github.com/drand/kyber"
	"github.com/drand/kyber/proof/dleq"
	"github.com/drand/kyber/share"
	"github.com/drand/kyber/share/pvss"
	"github.com/ethereum/go-ethereum/rlp"
)

type pvShareWire struct {
	I      uint64
	V      []byte
	C, R   []byte
	VG, VH []byte
}

type dealWireP struct {
	Dealer  uint32
	Commits [][]byte
	Shares  []pvShareWire
}

type selectionWire struct {
	Leader    uint32
	Dealers   []uint32
	Digest    []byte
	Signature []byte
}

type revealWire struct {
	Member    uint32
	Selection []byte
	Shares    []pvShareWire
	Signature []byte
}

type transcriptWire struct {
	Deals     []dealWireP
	Selection selectionWire
	Reveals   []revealWire
}

func marshalAll(vs ...kyber.Marshaling) ([][]byte, error) {
	out := make([][]byte, len(vs))
	for i, v := range vs {
		b, err := v.MarshalBinary()
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func pvShareToWire(s *pvss.PubVerShare) (pvShareWire, error) {
	b, err := marshalAll(s.S.V, s.P.C, s.P.R, s.P.VG, s.P.VH)
	if err != nil {
		return pvShareWire{}, err
	}
	return pvShareWire{I: uint64(s.S.I), V: b[0], C: b[1], R: b[2], VG: b[3], VH: b[4]}, nil
}

func dealToWire(d *PVSSDeal) (dealWireP, error) {
	w := dealWireP{Dealer: d.Dealer}
	for _, c := range d.Commits {
		b, err := c.MarshalBinary()
		if err != nil {
			return w, err
		}
		w.Commits = append(w.Commits, b)
	}
	for _, s := range d.Shares {
		sw, err := pvShareToWire(s)
		if err != nil {
			return w, err
		}
		w.Shares = append(w.Shares, sw)
	}
	return w, nil
}

func encodeDeal(d *PVSSDeal) ([]byte, error) {
	w, err := dealToWire(d)
	if err != nil {
		return nil, fmt.Errorf("drp: encode pvss deal: %w", err)
	}
	return rlp.EncodeToBytes(&w)
}

// MarshalBinary encodes the deal (RLP).
func (d *PVSSDeal) MarshalBinary() ([]byte, error) { return encodeDeal(d) }

func revealToWire(r *PVSSReveal) (revealWire, error) {
	w := revealWire{Member: r.Member, Selection: r.Selection, Signature: r.Signature}
	for _, s := range r.Shares {
		sw, err := pvShareToWire(s)
		if err != nil {
			return w, err
		}
		w.Shares = append(w.Shares, sw)
	}
	return w, nil
}

// MarshalBinary encodes the reveal (RLP).
func (r *PVSSReveal) MarshalBinary() ([]byte, error) {
	w, err := revealToWire(r)
	if err != nil {
		return nil, fmt.Errorf("drp: encode pvss reveal: %w", err)
	}
	return rlp.EncodeToBytes(&w)
}

// MarshalBinary encodes the selection (RLP).
func (s *PVSSSelection) MarshalBinary() ([]byte, error) {
	return rlp.EncodeToBytes(&selectionWire{Leader: s.Leader, Dealers: s.Dealers, Digest: s.Digest, Signature: s.Signature})
}

// MarshalBinary encodes the whole transcript (RLP), for publication.
func (t *PVSSTranscript) MarshalBinary() ([]byte, error) {
	if t.Selection == nil {
		return nil, fmt.Errorf("%w: transcript without selection", ErrInvalidTranscript)
	}
	w := transcriptWire{Selection: selectionWire{Leader: t.Selection.Leader, Dealers: t.Selection.Dealers, Digest: t.Selection.Digest, Signature: t.Selection.Signature}}
	for _, d := range t.Deals {
		dw, err := dealToWire(d)
		if err != nil {
			return nil, fmt.Errorf("drp: encode pvss transcript: %w", err)
		}
		w.Deals = append(w.Deals, dw)
	}
	for _, r := range t.Reveals {
		rw, err := revealToWire(r)
		if err != nil {
			return nil, fmt.Errorf("drp: encode pvss transcript: %w", err)
		}
		w.Reveals = append(w.Reveals, rw)
	}
	return rlp.EncodeToBytes(&w)
}

func (p *PVSS) point(b []byte) (kyber.Point, error) {
	pt := p.suite.Point()
	if err := pt.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return pt, nil
}

func (p *PVSS) scalar(b []byte) (kyber.Scalar, error) {
	s := p.suite.Scalar()
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *PVSS) pvShareFromWire(w pvShareWire) (*pvss.PubVerShare, error) {
	if w.I >= uint64(len(p.members)) {
		return nil, fmt.Errorf("share index %d", w.I)
	}
	v, err := p.point(w.V)
	if err != nil {
		return nil, err
	}
	c, err := p.scalar(w.C)
	if err != nil {
		return nil, err
	}
	r, err := p.scalar(w.R)
	if err != nil {
		return nil, err
	}
	vg, err := p.point(w.VG)
	if err != nil {
		return nil, err
	}
	vh, err := p.point(w.VH)
	if err != nil {
		return nil, err
	}
	return &pvss.PubVerShare{S: share.PubShare{I: int(w.I), V: v}, P: dleq.Proof{C: c, R: r, VG: vg, VH: vh}}, nil
}

func (p *PVSS) dealFromWire(w dealWireP) (*PVSSDeal, error) {
	if len(w.Commits) > len(p.members) || len(w.Shares) > len(p.members) {
		return nil, fmt.Errorf("deal too large")
	}
	d := &PVSSDeal{Dealer: w.Dealer}
	for _, c := range w.Commits {
		pt, err := p.point(c)
		if err != nil {
			return nil, err
		}
		d.Commits = append(d.Commits, pt)
	}
	for _, s := range w.Shares {
		ps, err := p.pvShareFromWire(s)
		if err != nil {
			return nil, err
		}
		d.Shares = append(d.Shares, ps)
	}
	return d, nil
}

func (p *PVSS) revealFromWire(w revealWire) (*PVSSReveal, error) {
	if len(w.Shares) > len(p.members) {
		return nil, fmt.Errorf("reveal too large")
	}
	r := &PVSSReveal{Member: w.Member, Selection: w.Selection, Signature: w.Signature}
	for _, s := range w.Shares {
		ps, err := p.pvShareFromWire(s)
		if err != nil {
			return nil, err
		}
		r.Shares = append(r.Shares, ps)
	}
	return r, nil
}

// UnmarshalDeal decodes a deal for this run; VerifyDeal checks it.
func (p *PVSS) UnmarshalDeal(data []byte) (*PVSSDeal, error) {
	var w dealWireP
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: pvss deal: %v", ErrDecode, err)
	}
	d, err := p.dealFromWire(w)
	if err != nil {
		return nil, fmt.Errorf("%w: pvss deal: %v", ErrDecode, err)
	}
	return d, nil
}

// UnmarshalReveal decodes a reveal for this run.
func (p *PVSS) UnmarshalReveal(data []byte) (*PVSSReveal, error) {
	var w revealWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: pvss reveal: %v", ErrDecode, err)
	}
	r, err := p.revealFromWire(w)
	if err != nil {
		return nil, fmt.Errorf("%w: pvss reveal: %v", ErrDecode, err)
	}
	return r, nil
}

// UnmarshalSelection decodes a selection.
func (p *PVSS) UnmarshalSelection(data []byte) (*PVSSSelection, error) {
	var w selectionWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: pvss selection: %v", ErrDecode, err)
	}
	if len(w.Dealers) > len(p.members) {
		return nil, fmt.Errorf("%w: pvss selection too large", ErrDecode)
	}
	return &PVSSSelection{Leader: w.Leader, Dealers: w.Dealers, Digest: w.Digest, Signature: w.Signature}, nil
}

// UnmarshalTranscript decodes a transcript for this run; Verify checks it.
func (p *PVSS) UnmarshalTranscript(data []byte) (*PVSSTranscript, error) {
	var w transcriptWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: pvss transcript: %v", ErrDecode, err)
	}
	if len(w.Deals) > len(p.members) || len(w.Reveals) > len(p.members) || len(w.Selection.Dealers) > len(p.members) {
		return nil, fmt.Errorf("%w: pvss transcript too large", ErrDecode)
	}
	t := &PVSSTranscript{Selection: &PVSSSelection{Leader: w.Selection.Leader, Dealers: w.Selection.Dealers, Digest: w.Selection.Digest, Signature: w.Selection.Signature}}
	for _, dw := range w.Deals {
		d, err := p.dealFromWire(dw)
		if err != nil {
			return nil, fmt.Errorf("%w: pvss transcript: %v", ErrDecode, err)
		}
		t.Deals = append(t.Deals, d)
	}
	for _, rw := range w.Reveals {
		r, err := p.revealFromWire(rw)
		if err != nil {
			return nil, fmt.Errorf("%w: pvss transcript: %v", ErrDecode, err)
		}
		t.Reveals = append(t.Reveals, r)
	}
	return t, nil
}
