// Package chain holds the example node's shard chains: the genesis with its
// pre-funded demo accounts, the block format, the block executor over the
// token ledger, and Shard, which ties a shard's state backend, mempool and
// block history together.
//
// # Execution model
//
// A block's header commits to the state root after its parent (as
// Tendermint's AppHash does), so a proposer never needs a speculative root:
// it executes the pending transactions on an overlay of the committed state,
// keeps those that succeed, and proposes them. Every validator re-executes a
// proposal before voting for it; a block with any transaction that fails is
// invalid. Finalized blocks are executed once more on commit and their write
// set goes to the backend as one version.
//
// # Cross-shard transfers
//
// A transfer whose recipient lives on another shard (eds.ShardOf) debits
// the sender on its own shard with token's Export and produces an Export
// record; the recipient's shard later credits it with Import. Which proof a
// receiving shard demands before it credits is the commit protocol's
// business (atomix in the node): this package only guarantees, through a
// per-export marker in the receiving shard's state, that a credit is
// applied at most once.
package chain
