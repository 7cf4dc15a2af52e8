// Package config is the example node's configuration: one TOML file (or
// none), every field documented with its default, and one Validate that
// names the first bad field.
//
// The zero value of every field means its default, so an empty file — or no
// file at all — runs the local four-shard network. Default writes the
// defaults out as a commented TOML file (`node config > node.toml`).
package config
