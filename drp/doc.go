// Package drp implements the Distributed Randomness Protocol of iostkit:
// unbiasable, unpredictable, publicly verifiable randomness for epochs,
// leader lotteries and shard assignment.
//
// # What the whitepaper specifies
//
// The IOST Technical White Paper (Dec 2017) takes its randomness from
// RandHound (Syta et al., S&P 2017): servers share secrets with publicly
// verifiable secret sharing (PVSS), a client fixes which shares count under a
// collective signature, then the servers reveal and the client combines
// them; the output is unforgeable, unbiased and verifiable by third parties.
// OmniLedger and drand replace the per-epoch run with a threshold-BLS
// beacon after a one-off distributed key generation (DKG). drp offers both.
//
// # Beacon mode (default)
//
//   - DKG: kyber's Pedersen DKG (share/dkg, fast-sync mode) wrapped as a
//     deterministic state machine without goroutines or I/O: Start, Step and
//     Tick return the messages (DealMessage, ResponseMessage,
//     JustificationMessage) the caller broadcasts over any transport. A
//     phase ends when every expected message is in, or after
//     DKGConfig.PhaseTicks Ticks. The same machine reshares an existing
//     group to a new committee (DKGConfig.OldMembers) and keeps the group
//     public key, for epoch transitions. When every member lives in one
//     process (a test network, a simulator), RunLocalDKG drives the
//     machines to the end and returns the key shares.
//   - Rounds: each member signs with its key share (Signer); a
//     RoundCollector verifies every partial on arrival, names members that
//     sent bad ones (BadPartialError) and recovers the group signature from
//     any Threshold valid partials by Lagrange interpolation.
//     Randomness = SHA-256(signature).
//   - Verification: a Verifier holds only the group public key. VerifyRound
//     is a single BLS verification; Accept also rejects replayed or stale
//     rounds and, for chained schemes, broken links.
//
// Scheme ids and encodings are drand's, so drand's verifier accepts our
// beacons and ours accepts drand's (the tests verify public drand beacons
// of every scheme):
//
//   - "pedersen-bls-chained" (SchemeChained): group key on G1 (48 bytes),
//     signatures on G2 (96 bytes), hash-to-curve DST
//     "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_", message =
//     SHA-256(previous signature ‖ round as 8-byte big-endian).
//   - "pedersen-bls-unchained" (SchemeUnchained): as above, message =
//     SHA-256(round as 8-byte big-endian).
//   - "bls-unchained-g1-rfc9380" (SchemeUnchainedG1, the default, drand's
//     quicknet): group key on G2 (96 bytes), signatures on G1 (48 bytes),
//     DST "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_", message =
//     SHA-256(round as 8-byte big-endian).
//
// drand's deprecated "bls-unchained-on-g1", which hashes to G1 with the G2
// tag, is deliberately not offered.
//
// # PVSS mode
//
// A one-shot, RandHound-style run without a prior DKG (kyber share/pvss):
// every member deals a random secret, encrypted share by share to the
// members' keys with proofs of consistency (PVSSDeal); a leader (eds's
// lottery winner) verifies the deals and signs a PVSSSelection of at least
// Threshold of them before anything is decrypted; members check the
// selection and each reveals, once per session, its decrypted shares with
// proofs (PVSSReveal); anyone combines Quorum reveals into a
// PVSSTranscript and the randomness, SHA-256 over each selected dealer's
// recovered secret. PVSS.Verify checks a published transcript from the
// public parameters alone.
//
// # VRF
//
// VRF turns unique BLS signatures into a verifiable random function:
// proof = BLS signature on G1 under the tag VRFDomain, output =
// SHA-256(proof), public keys on G2. It satisfies eds.VRFVerifier
// structurally (drp imports no other mechanism package).
//
// # Guarantees and assumptions
//
// With a threshold t and at most t−1 corrupt members (and t−1 < n/2 for the
// DKG's default t = n/2+1): the corrupt members hold too few shares to
// compute a round early, cannot change it (a BLS signature is unique for
// the group key and message, so every set of t members recovers the same
// signature) and can at most withhold; any t online members (n−t offline)
// complete a round. The DKG assumes a broadcast channel (every honest member
// eventually sees the same messages, before the phase timeout) and
// authenticated long-term keys. PVSS mode assumes the same bound with
// t = f+1; its Quorum ⌊(n+t−1)/2⌋+1 makes two different transcripts for one
// session impossible while honest members reveal once, so a leader can
// stall a run (and be replaced) but not choose between outputs. Security
// rests on the co-CDH assumption in BLS12-381 and the discrete logarithm in
// the PVSS group; hashing is SHA-256.
//
// Randomness enters every constructor as an io.Reader (nil means
// crypto/rand), so tests and simulations are reproducible; kyber's ECIES
// always uses crypto/rand for deal encryption, which changes ciphertexts but
// not keys. Everything derived from beacon output (permutations, shard
// assignment) must go through a hash or XOF, never math/rand.
package drp
