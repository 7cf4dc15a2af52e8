package atomix

import (
	"fmt"
)

// MsgType is the kind of a protocol message.
type MsgType uint8

const (
	// MsgLock asks an input shard to vote on session (Tx, Attempt). Clients
	// send it; so does anyone retrying.
	MsgLock MsgType = 1
	// MsgProof carries proofs of acceptance or rejection for session
	// (Tx, Attempt). Input shards send their own and, once decided, the
	// proofs that decide; anyone may relay them. A shard that has not yet
	// voted on the session votes when it receives one, so a client that
	// reaches a single input shard is enough.
	MsgProof MsgType = 2
	// MsgAck tells an input shard that From has applied the outcome of
	// session (Tx, Attempt), so it stops retransmitting to From. Acks are
	// not authenticated: a forged ack can delay a shard's retransmissions
	// to From, never change an outcome, and anyone may relay proofs.
	MsgAck MsgType = 3
)

// String names the message type.
func (t MsgType) String() string {
	switch t {
	case MsgLock:
		return "lock"
	case MsgProof:
		return "proof"
	case MsgAck:
		return "ack"
	}
	return fmt.Sprintf("msgtype(%d)", uint8(t))
}

// Message is one atomix protocol message. From is the sending shard as the
// transport reports it; nothing trusts it for safety.
type Message struct {
	Type    MsgType
	From    ShardID
	Tx      Tx
	Attempt uint64
	Proofs  []Proof
}

// Encode returns the canonical RLP encoding of m.
func (m Message) Encode() []byte { return mustEncode(&m) }

// DecodeMessage parses an encoded message; malformed, non-canonical or
// oversized input is ErrDecode.
func DecodeMessage(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessageSize {
		return m, fmt.Errorf("%w: message of %d bytes", ErrDecode, len(b))
	}
	if err := decodeExact(b, &m); err != nil {
		return Message{}, fmt.Errorf("%w: message: %v", ErrDecode, err)
	}
	if m.Type < MsgLock || m.Type > MsgAck {
		return Message{}, fmt.Errorf("%w: message type %d", ErrDecode, m.Type)
	}
	if len(m.Tx.Inputs) > MaxInputs || len(m.Tx.Outputs) > MaxOutputs || len(m.Proofs) > MaxInputs {
		return Message{}, fmt.Errorf("%w: message too large", ErrDecode)
	}
	for _, p := range m.Proofs {
		if err := p.check(); err != nil {
			return Message{}, err
		}
	}
	return m, nil
}
