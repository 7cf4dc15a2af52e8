package eds

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"

	"github.com/ethereum/go-ethereum/common"
)

// ShardOf returns the shard, in [0, shards), that owns addr.
//
// The map is jump consistent hashing (Lamping and Veach, 2014) keyed by the
// first eight bytes of SHA-256(addr), computed with integers only so every
// platform agrees. Its point is what happens when the shard count changes:
// going from S to S' > S shards moves only the accounts that land in the new
// shards, a fraction (S'−S)/S' of them, and no account moves between two old
// shards. ShardOf panics if shards is zero (a programmer error: the shard
// count comes from configuration, validated once).
func ShardOf(addr common.Address, shards uint32) uint32 {
	if shards == 0 {
		panic(ErrNoShards)
	}
	h := sha256.Sum256(addr[:])
	return jump(binary.BigEndian.Uint64(h[:8]), shards)
}

// jump is jump consistent hashing with the floating-point step replaced by the
// equivalent integer division.
func jump(key uint64, buckets uint32) uint32 {
	var b, j uint64 = 0, 0
	for j < uint64(buckets) {
		b = j
		key = key*2862933555777941757 + 1
		j = (b + 1) << 31 / ((key >> 33) + 1)
	}
	return uint32(b)
}

// TouchedShards returns the sorted, de-duplicated shards that own any of the
// given accounts — a transaction's inputs and outputs. One shard means the
// transaction is local; more mean it needs a cross-shard commit (atomix).
func TouchedShards(shards uint32, accounts ...common.Address) []uint32 {
	out := make([]uint32, 0, len(accounts))
	for _, a := range accounts {
		out = append(out, ShardOf(a, shards))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// IsCrossShard reports whether the accounts span more than one shard.
func IsCrossShard(shards uint32, accounts ...common.Address) bool {
	return len(TouchedShards(shards, accounts...)) > 1
}
