// Package transepoch moves validators between shards at an epoch change
// while every shard keeps finalizing blocks.
package transepoch
