package drp

import (
	"bytes"
	"fmt"

	"github.com/drand/kyber/share/dkg"
	"github.com/ethereum/go-ethereum/rlp"
)

// DKGMessage is a message of the DKG or resharing protocol. Every DKG
// message is a broadcast: the caller delivers it to every member of the old
// and new committees (including, harmlessly, its sender). Messages are
// signed by their sender's long-term key; Step checks the signature.
type DKGMessage interface {
	// Sender is the dealer index (deals, justifications) or share-holder
	// index (responses) of the author.
	Sender() uint32
	// MarshalBinary encodes the message; UnmarshalDKGMessage decodes it.
	MarshalBinary() ([]byte, error)
	packet() dkg.Packet
}

// DealMessage carries a dealer's public polynomial and its shares for every
// new member, each encrypted to the member's long-term key (kyber's
// dkg.DealBundle).
type DealMessage struct {
	Bundle *dkg.DealBundle
}

// ResponseMessage carries a share holder's verdict on every deal (kyber's
// dkg.ResponseBundle, fast-sync mode: successes and complaints).
type ResponseMessage struct {
	Bundle *dkg.ResponseBundle
}

// JustificationMessage carries a dealer's answers to complaints: the
// disputed shares in the clear (kyber's dkg.JustificationBundle).
type JustificationMessage struct {
	Bundle *dkg.JustificationBundle
}

var (
	_ DKGMessage = (*DealMessage)(nil)
	_ DKGMessage = (*ResponseMessage)(nil)
	_ DKGMessage = (*JustificationMessage)(nil)
)

// Sender implements DKGMessage.
func (m *DealMessage) Sender() uint32 { return m.Bundle.DealerIndex }

// Sender implements DKGMessage.
func (m *ResponseMessage) Sender() uint32 { return m.Bundle.ShareIndex }

// Sender implements DKGMessage.
func (m *JustificationMessage) Sender() uint32 { return m.Bundle.DealerIndex }

func (m *DealMessage) packet() dkg.Packet          { return m.Bundle }
func (m *ResponseMessage) packet() dkg.Packet      { return m.Bundle }
func (m *JustificationMessage) packet() dkg.Packet { return m.Bundle }

// Wire kinds: the first byte of an encoded DKG message.
const (
	kindDeal          byte = 1
	kindResponse      byte = 2
	kindJustification byte = 3
)

type dealWire struct {
	Dealer  uint32
	Deals   []dealEntry
	Public  [][]byte
	Session []byte
	Sig     []byte
}

type dealEntry struct {
	Index uint32
	Enc   []byte
}

type responseWire struct {
	Holder    uint32
	Responses []responseEntry
	Session   []byte
	Sig       []byte
}

type responseEntry struct {
	Dealer uint32
	Status bool
}

type justWire struct {
	Dealer  uint32
	Justs   []justEntry
	Session []byte
	Sig     []byte
}

type justEntry struct {
	Index uint32
	Share []byte
}

func encodeKind(kind byte, v any) ([]byte, error) {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		return nil, fmt.Errorf("drp: encode dkg message: %w", err)
	}
	return append([]byte{kind}, b...), nil
}

// MarshalBinary implements DKGMessage: kind byte 1 ‖ RLP.
func (m *DealMessage) MarshalBinary() ([]byte, error) {
	w := dealWire{Dealer: m.Bundle.DealerIndex, Session: m.Bundle.SessionID, Sig: m.Bundle.Signature}
	for _, d := range m.Bundle.Deals {
		w.Deals = append(w.Deals, dealEntry{Index: d.ShareIndex, Enc: d.EncryptedShare})
	}
	for _, p := range m.Bundle.Public {
		b, err := p.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("drp: encode commitment: %w", err)
		}
		w.Public = append(w.Public, b)
	}
	return encodeKind(kindDeal, &w)
}

// MarshalBinary implements DKGMessage: kind byte 2 ‖ RLP.
func (m *ResponseMessage) MarshalBinary() ([]byte, error) {
	w := responseWire{Holder: m.Bundle.ShareIndex, Session: m.Bundle.SessionID, Sig: m.Bundle.Signature}
	for _, r := range m.Bundle.Responses {
		w.Responses = append(w.Responses, responseEntry{Dealer: r.DealerIndex, Status: r.Status})
	}
	return encodeKind(kindResponse, &w)
}

// MarshalBinary implements DKGMessage: kind byte 3 ‖ RLP.
func (m *JustificationMessage) MarshalBinary() ([]byte, error) {
	w := justWire{Dealer: m.Bundle.DealerIndex, Session: m.Bundle.SessionID, Sig: m.Bundle.Signature}
	for _, j := range m.Bundle.Justifications {
		b, err := j.Share.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("drp: encode justification: %w", err)
		}
		w.Justs = append(w.Justs, justEntry{Index: j.ShareIndex, Share: b})
	}
	return encodeKind(kindJustification, &w)
}

// maxDKGEntries bounds the entries of a decoded DKG message.
const maxDKGEntries = 1 << 12

// UnmarshalDKGMessage decodes a DKG message for scheme. It checks the shape
// only; DKG.Step checks session, membership and signature.
func UnmarshalDKGMessage(scheme *Scheme, data []byte) (DKGMessage, error) {
	if scheme == nil {
		return nil, fmt.Errorf("%w: nil scheme", ErrBadConfig)
	}
	if len(data) < 1 {
		return nil, fmt.Errorf("%w: empty dkg message", ErrDecode)
	}
	body := data[1:]
	switch data[0] {
	case kindDeal:
		var w dealWire
		if err := rlp.DecodeBytes(body, &w); err != nil {
			return nil, fmt.Errorf("%w: deal: %v", ErrDecode, err)
		}
		if len(w.Deals) > maxDKGEntries || len(w.Public) > maxDKGEntries {
			return nil, fmt.Errorf("%w: deal too large", ErrDecode)
		}
		pub, err := decodePoints(scheme.keys, w.Public)
		if err != nil {
			return nil, fmt.Errorf("%w: deal: %v", ErrDecode, err)
		}
		b := &dkg.DealBundle{DealerIndex: w.Dealer, Public: pub, SessionID: w.Session, Signature: w.Sig}
		for _, d := range w.Deals {
			b.Deals = append(b.Deals, dkg.Deal{ShareIndex: d.Index, EncryptedShare: d.Enc})
		}
		return &DealMessage{Bundle: b}, nil
	case kindResponse:
		var w responseWire
		if err := rlp.DecodeBytes(body, &w); err != nil {
			return nil, fmt.Errorf("%w: response: %v", ErrDecode, err)
		}
		if len(w.Responses) > maxDKGEntries {
			return nil, fmt.Errorf("%w: response too large", ErrDecode)
		}
		b := &dkg.ResponseBundle{ShareIndex: w.Holder, SessionID: w.Session, Signature: w.Sig}
		for _, r := range w.Responses {
			b.Responses = append(b.Responses, dkg.Response{DealerIndex: r.Dealer, Status: r.Status})
		}
		return &ResponseMessage{Bundle: b}, nil
	case kindJustification:
		var w justWire
		if err := rlp.DecodeBytes(body, &w); err != nil {
			return nil, fmt.Errorf("%w: justification: %v", ErrDecode, err)
		}
		if len(w.Justs) > maxDKGEntries {
			return nil, fmt.Errorf("%w: justification too large", ErrDecode)
		}
		b := &dkg.JustificationBundle{DealerIndex: w.Dealer, SessionID: w.Session, Signature: w.Sig}
		for _, j := range w.Justs {
			s := scheme.keys.Scalar()
			if err := s.UnmarshalBinary(j.Share); err != nil {
				return nil, fmt.Errorf("%w: justification share: %v", ErrDecode, err)
			}
			b.Justifications = append(b.Justifications, dkg.Justification{ShareIndex: j.Index, Share: s})
		}
		return &JustificationMessage{Bundle: b}, nil
	default:
		return nil, fmt.Errorf("%w: unknown dkg message kind %d", ErrDecode, data[0])
	}
}

func samePacket(a, b dkg.Packet) bool { return bytes.Equal(a.Hash(), b.Hash()) }
