package pob

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// VoteType tells a prevote from a precommit.
type VoteType uint8

// The two vote types of the BFT finality (Tendermint's two voting steps).
const (
	Prevote   VoteType = 1
	Precommit VoteType = 2
)

// String names the vote type.
func (t VoteType) String() string {
	switch t {
	case Prevote:
		return "prevote"
	case Precommit:
		return "precommit"
	}
	return fmt.Sprintf("VoteType(%d)", uint8(t))
}

// Vote is a normal-league member's signed prevote or precommit for a block
// hash at (height, round); the zero hash is a vote for nothing ("nil").
// The signature covers everything but Voter and Sig, so precommits for one
// block aggregate into a Certificate.
type Vote struct {
	// Domain binds the vote to a chain, shard and epoch.
	Domain Domain
	// Type is Prevote or Precommit.
	Type VoteType
	// Height is the height voted on.
	Height uint64
	// Round is the round voted in.
	Round uint64
	// Block is the block hash voted for; zero means nil.
	Block common.Hash
	// Voter is the voter's committee index (not signed).
	Voter uint32
	// Sig is the voter's BLS signature over SignBytes.
	Sig []byte
}

type voteContent struct {
	Domain Domain
	Type   VoteType
	Height uint64
	Round  uint64
	Block  common.Hash
}

func voteSignBytes(d Domain, t VoteType, h, r uint64, b common.Hash) []byte {
	return signBytes(tagVote, &voteContent{d, t, h, r, b})
}

// SignBytes is the message the voter signs.
func (v Vote) SignBytes() []byte { return voteSignBytes(v.Domain, v.Type, v.Height, v.Round, v.Block) }

// SignVote fills in v.Sig with s's signature.
func SignVote(s Signer, v Vote) (Vote, error) {
	sig, err := s.Sign(v.SignBytes())
	if err != nil {
		return Vote{}, err
	}
	v.Sig = sig
	return v, nil
}

// ProposalHeader is what a proposer signs for (height, round): the block
// hash and the proof-of-lock round. Two different signed headers for one
// (height, round) are equivocation evidence.
type ProposalHeader struct {
	// Domain binds the proposal to a chain, shard and epoch.
	Domain Domain
	// Height is the height proposed for.
	Height uint64
	// Round is the round proposed in.
	Round uint64
	// POLRound is 0 when the proposer offers a fresh block, and r+1 when it
	// re-offers the block a quorum prevoted in round r.
	POLRound uint64
	// Block is the proposed block's hash.
	Block common.Hash
	// Proposer is the proposer's committee index.
	Proposer uint32
	// Sig is the proposer's signature over SignBytes.
	Sig []byte
}

type proposalContent struct {
	Domain   Domain
	Height   uint64
	Round    uint64
	POLRound uint64
	Block    common.Hash
	Proposer uint32
}

// SignBytes is the message the proposer signs.
func (p ProposalHeader) SignBytes() []byte {
	return signBytes(tagProposal, &proposalContent{p.Domain, p.Height, p.Round, p.POLRound, p.Block, p.Proposer})
}

// Proposal is a signed header with the block it names.
type Proposal struct {
	// Header is the signed header.
	Header ProposalHeader
	// Block is the block whose hash the header names.
	Block Block
}

// OptimisticBlock is a small block a believable-league validator produces
// alone and signs, before any BFT: users see its transactions as
// optimistically confirmed. Seq numbers each producer's blocks 1, 2, … in an
// epoch; Base is the finalized height the producer had seen.
type OptimisticBlock struct {
	// Domain binds the block to a chain, shard and epoch.
	Domain Domain
	// Producer is the producer's believable-league index.
	Producer uint32
	// Seq is the producer's sequence number, from 1.
	Seq uint64
	// Base is the last finalized height the producer had seen.
	Base uint64
	// Txs are the transactions, opaque to pob.
	Txs [][]byte
	// Sig is the producer's signature over SignBytes.
	Sig []byte
}

type optimisticContent struct {
	Domain   Domain
	Producer uint32
	Seq      uint64
	Base     uint64
	Txs      [][]byte
}

// SignBytes is the message the producer signs.
func (o OptimisticBlock) SignBytes() []byte {
	return signBytes(tagOptimistic, &optimisticContent{o.Domain, o.Producer, o.Seq, o.Base, o.Txs})
}

// Hash identifies the block (its signed content, without the signature).
func (o OptimisticBlock) Hash() common.Hash {
	return hashOf(tagHash+"/optimistic", &optimisticContent{o.Domain, o.Producer, o.Seq, o.Base, o.Txs})
}

// Block is a finalized-block candidate: the believable league's optimistic
// blocks the proposer combines (in producer, then sequence order), the
// transactions the proposer adds itself in one-league fallback, and the
// fraud proofs and equivocation evidence it includes for slashing.
type Block struct {
	// Domain binds the block to a chain, shard and epoch.
	Domain Domain
	// Height is the block's height.
	Height uint64
	// Parent is the previous finalized block's hash.
	Parent common.Hash
	// Builder is the committee index of the proposer that built it.
	Builder uint32
	// Optimistic are the combined optimistic blocks, by producer then sequence.
	Optimistic []OptimisticBlock
	// Payload are the proposer's own transactions (one-league mode only).
	Payload [][]byte
	// Frauds are fraud proofs, convicting their producers.
	Frauds []FraudProof
	// Equivocations is equivocation evidence, convicting its culprits.
	Equivocations []Equivocation
}

// Hash identifies the block; votes and certificates name it.
func (b Block) Hash() common.Hash { return hashOf(tagHash+"/block", &b) }

// Txs lists, in execution order, the transactions the block finalizes: the
// optimistic blocks' transactions except those a fraud proof in this block
// shows invalid, then the fallback payload.
func (b Block) Txs() [][]byte {
	bad := map[fraudKey]bool{}
	for _, f := range b.Frauds {
		bad[f.key()] = true
	}
	var out [][]byte
	for _, o := range b.Optimistic {
		h := o.Hash()
		for i, tx := range o.Txs {
			if !bad[fraudKey{h, uint32(i)}] {
				out = append(out, tx)
			}
		}
	}
	return append(out, b.Payload...)
}

// Commit is a finalized block with its certificate.
type Commit struct {
	// Block is the finalized block.
	Block Block
	// Cert is its finality certificate.
	Cert Certificate
}

// Kind tells which message a Message carries.
type Kind uint8

// Message kinds.
const (
	KindOptimistic   Kind = 1
	KindProposal     Kind = 2
	KindVote         Kind = 3
	KindCommit       Kind = 4
	KindFraud        Kind = 5
	KindEquivocation Kind = 6
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindOptimistic:
		return "optimistic"
	case KindProposal:
		return "proposal"
	case KindVote:
		return "vote"
	case KindCommit:
		return "commit"
	case KindFraud:
		return "fraud"
	case KindEquivocation:
		return "equivocation"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Message is what engines exchange. Exactly the field Kind names is set.
// From and Height are unauthenticated hints (the sender and its current
// height, used to send a lagging sender the commits it misses); everything
// that matters is signed inside the body. Messages are values: engines
// never modify one they received or sent.
type Message struct {
	// Kind names the body that is set.
	Kind Kind
	// From is the sender (a hint, not authenticated).
	From common.Address
	// Height is the sender's current height (a hint).
	Height uint64
	// Optimistic is set for KindOptimistic.
	Optimistic *OptimisticBlock
	// Proposal is set for KindProposal.
	Proposal *Proposal
	// Vote is set for KindVote.
	Vote *Vote
	// Commit is set for KindCommit.
	Commit *Commit
	// Fraud is set for KindFraud.
	Fraud *FraudProof
	// Equivocation is set for KindEquivocation.
	Equivocation *Equivocation
}

// MaxMessageSize bounds an encoded message; larger input is rejected unread.
const MaxMessageSize = 4 << 20

type wireMessage struct {
	Kind   Kind
	From   common.Address
	Height uint64
	Body   []byte
}

func (m Message) body() (any, error) {
	switch m.Kind {
	case KindOptimistic:
		return m.Optimistic, nil
	case KindProposal:
		return m.Proposal, nil
	case KindVote:
		return m.Vote, nil
	case KindCommit:
		return m.Commit, nil
	case KindFraud:
		return m.Fraud, nil
	case KindEquivocation:
		return m.Equivocation, nil
	}
	return nil, fmt.Errorf("%w: unknown kind %d", ErrDecode, m.Kind)
}

// Encode returns the canonical encoding of m: RLP of (kind, from, height,
// RLP(body)).
func (m Message) Encode() ([]byte, error) {
	body, err := m.body()
	if err != nil {
		return nil, err
	}
	b, err := rlp.EncodeToBytes(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s body: %v", ErrDecode, m.Kind, err)
	}
	return rlp.EncodeToBytes(&wireMessage{m.Kind, m.From, m.Height, b})
}

// DecodeMessage parses an encoded message. Oversized, malformed, unknown
// or non-canonical input is ErrDecode.
func DecodeMessage(b []byte) (Message, error) {
	if len(b) > MaxMessageSize {
		return Message{}, fmt.Errorf("%w: message of %d bytes", ErrDecode, len(b))
	}
	var w wireMessage
	if err := rlp.DecodeBytes(b, &w); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	m := Message{Kind: w.Kind, From: w.From, Height: w.Height}
	var err error
	switch w.Kind {
	case KindOptimistic:
		m.Optimistic = new(OptimisticBlock)
		err = rlp.DecodeBytes(w.Body, m.Optimistic)
	case KindProposal:
		m.Proposal = new(Proposal)
		err = rlp.DecodeBytes(w.Body, m.Proposal)
	case KindVote:
		m.Vote = new(Vote)
		err = rlp.DecodeBytes(w.Body, m.Vote)
	case KindCommit:
		m.Commit = new(Commit)
		err = rlp.DecodeBytes(w.Body, m.Commit)
	case KindFraud:
		m.Fraud = new(FraudProof)
		err = rlp.DecodeBytes(w.Body, m.Fraud)
	case KindEquivocation:
		m.Equivocation = new(Equivocation)
		err = rlp.DecodeBytes(w.Body, m.Equivocation)
	default:
		return Message{}, fmt.Errorf("%w: unknown kind %d", ErrDecode, w.Kind)
	}
	if err != nil {
		return Message{}, fmt.Errorf("%w: %s: %v", ErrDecode, w.Kind, err)
	}
	// Canonical: re-encoding must give the same bytes, so a message has one
	// encoding and one hash.
	again, err := m.Encode()
	if err != nil || !bytes.Equal(again, b) {
		return Message{}, fmt.Errorf("%w: non-canonical %s", ErrDecode, w.Kind)
	}
	return m, nil
}

// EncodeBlock returns the canonical encoding of b.
func EncodeBlock(b Block) []byte { return mustEncode(&b) }

// DecodeBlock parses an encoded block; malformed input is ErrDecode.
func DecodeBlock(b []byte) (Block, error) {
	var blk Block
	if len(b) > MaxMessageSize {
		return blk, fmt.Errorf("%w: block of %d bytes", ErrDecode, len(b))
	}
	if err := rlp.DecodeBytes(b, &blk); err != nil {
		return Block{}, fmt.Errorf("%w: block: %v", ErrDecode, err)
	}
	return blk, nil
}
