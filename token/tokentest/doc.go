// Package tokentest is a conformance suite for implementations of
// token.Store. A state layer that wants to back the token ledger (microstate's
// working set, a user's own database adapter) runs TestStore in its tests.
package tokentest
