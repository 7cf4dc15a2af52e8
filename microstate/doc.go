// Package microstate is the state layer of an IOST shard: a versioned
// key-value store with a commitment per block, Micro State Blocks (MSBs),
// snapshots for fast sync, and ICS-23 proofs.
//
// # What problem, which paper
//
// The IOST Technical White Paper (Dec 2017), following OmniLedger (S&P
// 2018), has each shard summarise its state in a Merkle-rooted Micro State
// Block whose header the shard's committee signs. Nodes keep the last MSB's
// state and the chain of MSB headers, linked by multi-hop back-pointers, and
// drop older block bodies; a new or crashed node starts from the last MSB and
// replays only the blocks after it. The state layer is also the hot path of
// every transaction, so this package is built around one question: what must
// be paid per block, and what can be paid per MSB?
//
// # Design
//
// The store keeps three things in one cometbft-db database (pebble by
// default; goleveldb and memdb are selectable by name):
//
//   - the flat state: the latest value of every key, which is what
//     transactions read;
//   - the block bodies (write sets) since the oldest kept MSB, and the MSB
//     headers (all of them);
//   - a meta record: height, last block commitment, latest MSB.
//
// and, per kept MSB, an IAVL tree (github.com/cosmos/iavl) of the whole
// state in its own database.
//
// Per block, Store.Commit (or ApplyBlock) coalesces the block's writes (one
// entry per key, sorted), hashes them into a binary Merkle root (WriteRoot),
// and writes the flat-state updates, the block body and the new meta record
// in one synced batch. That batch is the commit point: a kill at any instant
// leaves the block either wholly committed or not at all, and nothing later
// needs replaying. The block's commitment chains WriteRoot with the previous
// commitment and the hash of the latest MSB header (BlockCommit). No IAVL
// work happens per block.
//
// Every MSBInterval blocks, and after every block that ends an epoch, the
// store builds the MSB: it streams the flat state in key order into a fresh
// IAVL tree through iavl's Importer, in a canonical balanced shape (the n
// keys split recursively, larger half left), with every node at version =
// MSB number. The root of that tree is the MSB's StateRoot. Because the shape
// depends only on the set of keys, the tree is a deterministic function of
// the state: the build costs one pass over the state (no node reads, no
// rotations), any node can rebuild it, and a crash during the build is
// recovered by building again. The MSB header (Header) holds the root, the
// state size, height, epoch, the commitment of its block and back-pointers to
// earlier MSB headers (a deterministic skip list, see Path and VerifyPath).
// It is RLP-encoded and hashed with keccak256; the committee certifies its
// SigningHash (a versioned domain tag over the hash; chain id and shard are
// in the header) and Store.Certify checks the certificate through the
// CertificateVerifier the caller supplies (pob's BLS certificates in the
// node).
//
// Older MSB trees (beyond KeepMSBs) and the block bodies up to the oldest
// kept MSB are deleted, so disk use is bounded by a few copies of the state
// plus the MSB headers.
//
// # What a light client can prove, at which height
//
//   - At an MSB height (every MSBInterval blocks and at epoch ends): the
//     value of any key, or its absence, against the StateRoot of the MSB
//     header, with a stock ICS-23 verifier and ics23.IavlSpec (Store.Prove).
//     The header is trusted through the committee's certificate, or through
//     back-pointers from a trusted later header.
//   - At any block height h: that block h wrote key k with value v (or
//     deleted it), by a Merkle path to the block's WriteRoot, which the
//     block's commitment binds (Store.ProveWrite, WriteProof.Verify). The
//     commitment is trusted through the block header that consensus signs.
//   - Not provable key by key: the full state at a height between two MSBs.
//     It is determined (the last MSB plus the write sets after it, each bound
//     by the commitment chain), so a client holding those write sets can
//     compute it, but the store does not produce a single short proof for it
//     until the next MSB. That is the trade-off this package makes: IAVL's
//     cost (tens of microseconds per written key) is paid once per MSB over
//     the whole state instead of once per block over every written key.
//
// # Snapshots and fast sync
//
// Store.Export streams the state of a kept MSB as chunks of consecutive
// leaves; each chunk carries the hashes of the subtrees beside it, taken from
// IAVL's own ICS-23 paths. Because the tree shape is fixed by the state size
// in the header, the importer recomputes the root from each chunk alone and
// rejects a chunk that is corrupt, out of order, truncated or from another
// snapshot (ChunkError wrapping ErrChunkDecode, ErrChunkOrder, ErrChunkProof
// or ErrChunkForeign) before staging anything. Each node is hashed once,
// when its chunk is checked, and those hashes go straight into the tree's
// nodes (in IAVL's own format); accepted leaves and nodes are streamed, in
// key order, into SSTables that pebble ingests at Commit (other backends
// take large batches and one sync), while the next chunk is checked. They
// form a new, invisible generation of the flat state and a new tree;
// Importer.Commit switches the store over in one synced write, and Abort
// (or a crash) leaves it as it was. Fast sync is Import of the latest MSB, then Store.Replay of
// the blocks after it, each checked against its recorded commitment.
//
// # Guarantees and assumptions
//
// Committed blocks survive kill -9 (every commit is a synced batch; the
// crash test kills a child process at random instants, many times, on
// pebble), and no reader sees a block before its batch is synced (pebble
// publishes a batch to readers before its WAL sync completes, so the batch
// is written while readers are held off). The flat state, commitments and MSB roots are deterministic
// functions of the blocks applied: no clocks, randomness or map order. An
// MSB's root is only as trustworthy as the certificate on its header: the
// package checks certificates but does not choose the committee. The store
// is safe for concurrent use; commits (and MSB builds, which run inside the
// commit of the block that closes the interval) are serialized, while reads,
// proofs and exports go on during an MSB build (an export in progress delays
// the moment the build swaps in its tree).
//
// The working set (WorkingSet) has the method set of token.Store, so the
// node passes it to the token ledger; this package does not import token.
package microstate
