package pob

import (
	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
)

// Domain separates every signature of the protocol: a signature made for
// one chain, shard, epoch or protocol version never verifies in another.
type Domain struct {
	// ChainID names the network.
	ChainID uint64
	// Shard is the shard this committee serves.
	Shard uint32
	// Epoch is the epoch whose leagues sign.
	Epoch uint64
}

// Member is one validator of a league: its account address (where token
// keeps its stake and Servi) and its BLS12-381 public key on G2.
type Member struct {
	// Address is the validator's account address.
	Address common.Address
	// PublicKey is its BLS12-381 public key on G2.
	PublicKey kyber.Point
}

// Faults returns the largest number of faulty members a committee of n
// equal-weight members tolerates: f = ⌊(n−1)/3⌋.
func Faults(n int) int {
	if n <= 0 {
		return 0
	}
	return (n - 1) / 3
}

// Quorum returns the number of signatures that make a certificate in a
// committee of n: n − f. Any two quorums intersect in at least f+1 members,
// so in at least one honest member when at most f are faulty.
func Quorum(n int) int { return n - Faults(n) }

func publicKeys(ms []Member) []kyber.Point {
	out := make([]kyber.Point, len(ms))
	for i, m := range ms {
		out[i] = m.PublicKey
	}
	return out
}

func indexOf(ms []Member, a common.Address) int {
	for i, m := range ms {
		if m.Address == a {
			return i
		}
	}
	return -1
}
