package eds

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Validator is a member of the validator set. ID is opaque and unique (the
// node uses the hex of the validator's public key); Weight is its stake or
// believability, used only by AssignWeighted.
type Validator struct {
	ID     string
	Weight uint64
}

// Assignment is the result of cutting the validator set into shards:
// Shards[s] lists the members of shard s.
type Assignment struct {
	Epoch  uint64
	Shards [][]Validator
}

// ShardOfValidator returns the shard of id, or false if it is not assigned.
func (a Assignment) ShardOfValidator(id string) (uint32, bool) {
	for s, members := range a.Shards {
		for _, v := range members {
			if v.ID == id {
				return uint32(s), true
			}
		}
	}
	return 0, false
}

const assignDomain = "iostkit/eds/assign/v1"

// Assign cuts the validators into shards for an epoch, as the IOST whitepaper
// prescribes: a permutation derived from the epoch randomness rnd_e, cut into
// `shards` contiguous pieces whose sizes differ by at most one.
//
// The validators are first sorted by ID, so the caller's order does not
// matter; the permutation is Fisher–Yates over SHA-256 in counter mode keyed
// by the domain tag, the epoch and rnd (never math/rand). Anyone holding rnd
// recomputes the same assignment; nobody can steer it without biasing rnd,
// which drp prevents.
func Assign(validators []Validator, rnd []byte, epoch uint64, shards uint32) (Assignment, error) {
	vs, err := canonical(validators, rnd, shards)
	if err != nil {
		return Assignment{}, err
	}
	perm := Permutation(assignDomain, seedFor(rnd, epoch), len(vs))
	out := Assignment{Epoch: epoch, Shards: make([][]Validator, shards)}
	n, m := len(vs), int(shards)
	// Shard s gets the permuted positions [s*n/m, (s+1)*n/m): sizes ⌊n/m⌋ or ⌈n/m⌉.
	for s := range m {
		lo, hi := s*n/m, (s+1)*n/m
		members := make([]Validator, 0, hi-lo)
		for _, p := range perm[lo:hi] {
			members = append(members, vs[p])
		}
		out.Shards[s] = members
	}
	return out, nil
}

// AssignWeighted balances total weight instead of head count: validators are
// taken in the same random permutation as Assign and each joins the shard
// with the least weight so far (ties to the lowest shard index). The random
// order decides which shard a validator lands in, so an adversary cannot
// choose; the greedy step keeps every shard's weight within one maximum
// validator weight of every other's. Shard sizes may then differ by more
// than one. Every weight must be positive.
func AssignWeighted(validators []Validator, rnd []byte, epoch uint64, shards uint32) (Assignment, error) {
	vs, err := canonical(validators, rnd, shards)
	if err != nil {
		return Assignment{}, err
	}
	for _, v := range vs {
		if v.Weight == 0 {
			return Assignment{}, fmt.Errorf("%w: validator %q", ErrZeroWeight, v.ID)
		}
	}
	perm := Permutation(assignDomain, seedFor(rnd, epoch), len(vs))
	out := Assignment{Epoch: epoch, Shards: make([][]Validator, shards)}
	weight := make([]uint64, shards)
	for _, p := range perm {
		best := 0
		for s := 1; s < int(shards); s++ {
			if weight[s] < weight[best] {
				best = s
			}
		}
		out.Shards[best] = append(out.Shards[best], vs[p])
		weight[best] += vs[p].Weight // total stake is bounded by the token cap: no overflow
	}
	return out, nil
}

func canonical(validators []Validator, rnd []byte, shards uint32) ([]Validator, error) {
	if shards == 0 {
		return nil, ErrNoShards
	}
	if len(rnd) == 0 {
		return nil, ErrNoRandomness
	}
	if len(validators) < int(shards) {
		return nil, fmt.Errorf("%w: %d validators, %d shards", ErrTooFewValidators, len(validators), shards)
	}
	vs := slices.Clone(validators)
	slices.SortFunc(vs, func(a, b Validator) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	for i := 1; i < len(vs); i++ {
		if vs[i].ID == vs[i-1].ID {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateValidator, vs[i].ID)
		}
	}
	return vs, nil
}

func seedFor(rnd []byte, epoch uint64) []byte {
	s := make([]byte, 8, 8+len(rnd))
	binary.BigEndian.PutUint64(s, epoch)
	return append(s, rnd...)
}
