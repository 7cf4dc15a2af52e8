package transepoch

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// FuzzDecodeSyncReport: decoding never panics, and whatever decodes
// re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeSyncReport(f *testing.F) {
	f.Add(SyncReport{Epoch: 2, Shard: 1, Validator: "v1", MSBHeight: 100, MSBRoot: common.Hash{1}, Height: 120}.Encode())
	f.Add(SyncReport{Validator: "x"}.Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSyncReport(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatalf("decoded %+v re-encodes differently", r)
		}
		if r.Validator == "" || r.Height < r.MSBHeight {
			t.Fatalf("accepted an invalid report %+v", r)
		}
	})
}

// FuzzMachineEvents drives a Machine with an arbitrary sequence of ticks and
// events (reports, leaves, crashes, recoveries, from any validator of the
// plan or none) and checks after every step that the committee keeps the
// bound and holds only validators of the plan, and that Version only grows.
func FuzzMachineEvents(f *testing.F) {
	f.Add([]byte{0, 0, 1, 2, 3, 0, 0, 0})
	f.Add([]byte{0, 0x41, 0x42, 0x43, 0x44, 0x85, 0xc6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0, 0, 0, 0})
	a := unit(names("a", 20)...)
	nw := append(append([]Member{}, a[6:]...), unit(names("n", 8)...)...)
	p, err := NewPlan(Assignment{Epoch: 1, Shards: [][]Member{a}}, Assignment{Epoch: 2, Shards: [][]Member{nw}}, []byte("fuzz"), Config{})
	if err != nil {
		f.Fatal(err)
	}
	sp := p.Shards[0]
	var all []string
	known := map[string]bool{}
	for _, m := range append(append([]Member{}, sp.Start...), sp.Final...) {
		if !known[m.ID] {
			known[m.ID] = true
			all = append(all, m.ID)
		}
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		cfg := Config{Delta: 2, SyncTimeout: 4, MaxRetries: 1}
		m, err := NewMachine(sp, cfg)
		if err != nil {
			t.Fatal(err)
		}
		version := m.Committee().Version
		for _, op := range ops {
			if op == 0 {
				m.Tick()
			} else {
				id := "stranger"
				if i := int(op & 0x3f); i < len(all) {
					id = all[i]
				}
				kind := []EventKind{Synced, Left, Down, Up}[op>>6]
				_ = m.Step(Event{Kind: kind, Epoch: 2, Validator: id})
			}
			m.Ready()
			c := m.Committee()
			if c.Version < version {
				t.Fatalf("version went back from %d to %d", version, c.Version)
			}
			version = c.Version
			if w := c.Weight(); w > 0 && !Safe(w, m.UnsyncedWeight(), DefaultFaulty) {
				t.Fatalf("committee of weight %d with %d unsynced breaks the bound", w, m.UnsyncedWeight())
			}
			for _, mb := range c.Members {
				if !known[mb.ID] {
					t.Fatalf("unknown member %s", mb.ID)
				}
			}
		}
	})
}
