package pob_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
)

func seedMessages(f *testing.F) {
	o := pob.OptimisticBlock{Domain: testDomain, Producer: 1, Seq: 2, Txs: [][]byte{{1}, {2, 3}}, Sig: []byte{9}}
	v := pob.Vote{Domain: testDomain, Type: pob.Prevote, Height: 1, Block: common.HexToHash("0x1"), Sig: []byte{1}}
	blk := pob.Block{Domain: testDomain, Height: 1, Optimistic: []pob.OptimisticBlock{o}}
	for _, m := range []pob.Message{
		{Kind: pob.KindOptimistic, Optimistic: &o},
		{Kind: pob.KindVote, Vote: &v},
		{Kind: pob.KindProposal, Proposal: &pob.Proposal{Block: blk}},
		{Kind: pob.KindCommit, Commit: &pob.Commit{Block: blk}},
		{Kind: pob.KindFraud, Fraud: &pob.FraudProof{Block: o}},
		{Kind: pob.KindEquivocation, Equivocation: &pob.Equivocation{Votes: []pob.Vote{v, v}}},
	} {
		b, err := m.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Add([]byte{0xc4, 0x03, 0x80, 0x80, 0x80})
}

// FuzzDecodeMessage: any input decodes to a message whose encoding is the
// input itself, or fails with ErrDecode — never a panic.
func FuzzDecodeMessage(f *testing.F) {
	seedMessages(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := pob.DecodeMessage(b)
		if err != nil {
			if !errors.Is(err, pob.ErrDecode) {
				t.Fatalf("error not ErrDecode: %v", err)
			}
			return
		}
		again, err := m.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the message: %v", err)
		}
	})
}

// FuzzDecodeCertificate: decoding never panics, and what decodes
// re-encodes to a certificate that decodes equal.
func FuzzDecodeCertificate(f *testing.F) {
	f.Add(pob.Certificate{Domain: testDomain, Height: 3, Signers: []byte{7}, Signature: []byte{1, 2}}.Encode())
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := pob.DecodeCertificate(b)
		if err != nil {
			if !errors.Is(err, pob.ErrDecode) {
				t.Fatalf("error not ErrDecode: %v", err)
			}
			return
		}
		again, err := pob.DecodeCertificate(c.Encode())
		if err != nil || !bytes.Equal(again.Encode(), c.Encode()) {
			t.Fatalf("round trip changed the certificate: %v", err)
		}
		_ = c.SignerCount()
	})
}

// FuzzDecodeBlock: decoding never panics; decoded blocks hash and list
// their transactions.
func FuzzDecodeBlock(f *testing.F) {
	o := pob.OptimisticBlock{Domain: testDomain, Txs: [][]byte{{1}, {0xBA}}}
	f.Add(pob.EncodeBlock(pob.Block{Domain: testDomain, Height: 2, Optimistic: []pob.OptimisticBlock{o}, Frauds: []pob.FraudProof{{Block: o, Index: 1}}}))
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		blk, err := pob.DecodeBlock(b)
		if err != nil {
			if !errors.Is(err, pob.ErrDecode) {
				t.Fatalf("error not ErrDecode: %v", err)
			}
			return
		}
		again, err := pob.DecodeBlock(pob.EncodeBlock(blk))
		if err != nil || again.Hash() != blk.Hash() {
			t.Fatalf("round trip changed the block: %v", err)
		}
		_ = blk.Txs()
	})
}

// FuzzDecodeHardState: decoding persisted state never panics.
func FuzzDecodeHardState(f *testing.F) {
	f.Add(pob.HardState{Height: 3, Round: 1, Step: pob.StepPrevote, Votes: []pob.Vote{{Height: 3}}}.Encode())
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := pob.DecodeHardState(b)
		if err != nil {
			if !errors.Is(err, pob.ErrDecode) {
				t.Fatalf("error not ErrDecode: %v", err)
			}
			return
		}
		if _, err := pob.DecodeHardState(s.Encode()); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
