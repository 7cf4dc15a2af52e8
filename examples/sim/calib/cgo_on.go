//go:build cgo

package calib

const cgoEnabled = true
