package microstate

import (
	"errors"
	"fmt"
	"testing"
)

// FuzzDecodeChunk feeds arbitrary bytes to the chunk decoder and, for what
// decodes, to the importer's verifier (bulkTree.verify, after the genuine
// chunks before it were accepted): neither may panic, and leaves that are
// not the genuine ones at their position must not verify against the
// snapshot's root. (Chain, shard and MSB number are not part of the range proof: the
// importer compares them with the header before it verifies.)
func FuzzDecodeChunk(f *testing.F) {
	s := memStore(f)
	for s.Height() < 4 {
		apply(f, s, genBlock(s.Height()+1, 40, 30))
	}
	sh, err := s.LatestMSB()
	if err != nil {
		f.Fatal(err)
	}
	genuine := map[string]bool{}
	var chunks []Chunk
	_, err = s.Export(ctx, 0, 8, func(c []byte) error {
		d, err := DecodeChunk(c)
		if err != nil {
			return err
		}
		genuine[leafKey(d)] = true
		chunks = append(chunks, d)
		f.Add(c)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeChunk(b)
		if err != nil {
			if !errors.Is(err, ErrChunkDecode) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		bt := newBulkTree(sh.Header.StateSize, int64(sh.Header.Number), sh.Header.StateRoot)
		for i := range chunks {
			if chunks[i].Start >= c.Start {
				break
			}
			nodes, err := bt.verify(&chunks[i])
			if err != nil {
				t.Fatalf("genuine chunk %d refused: %v", i, err)
			}
			bt.accept(&chunks[i], nodes)
		}
		if _, err := bt.verify(&c); err != nil {
			if !errors.Is(err, ErrChunkProof) && !errors.Is(err, ErrChunkOrder) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if c.Number == sh.Header.Number && !genuine[leafKey(c)] {
			t.Fatalf("forged chunk verifies: %+v", c)
		}
	})
}

// leafKey identifies what a chunk's range proof authenticates.
func leafKey(c Chunk) string {
	return fmt.Sprintf("%d|%x|%x", c.Start, c.Keys, c.Values)
}

// FuzzDecodeHeader checks that header decoding never panics and that what
// decodes re-encodes to the same bytes (the encoding is canonical, so the
// hash a certificate signs is unambiguous).
func FuzzDecodeHeader(f *testing.F) {
	var prev *Header
	for i := uint64(1); i <= 9; i++ {
		h, err := nextHeader(prev, Header{ChainID: "c", Shard: 1, Number: i, Height: 3 * i, StateRoot: make([]byte, 32), StateSize: i})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(h.Encode())
		prev = &h
	}
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHeader(b)
		if err != nil {
			if !errors.Is(err, ErrBadHeader) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if string(h.Encode()) != string(b) {
			t.Fatalf("non-canonical encoding accepted: %x", b)
		}
	})
}
