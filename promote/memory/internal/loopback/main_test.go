package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:5000", true},
		{"[::1]:5000", true},
		{"localhost:5000", true},
		{"0.0.0.0:5000", false},
		{":5000", false},
		{"10.0.0.1:5000", false},
		{"example.com:5000", false},
		{"127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := checkLoopback(tt.addr)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.addr, "the error names the input")
			}
		})
	}
}

func TestRunRefusesBeforeListening(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"not loopback", []string{"-addr", "0.0.0.0:0"}},
		{"unknown flag", []string{"-tls"}},
		{"address file in a missing directory", []string{"-addr-file", filepath.Join(t.TempDir(), "no", "addr")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, run(tt.args))
		})
	}
}

func TestWriteAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "addr")
	require.NoError(t, writeAtomic(path, "127.0.0.1:1\n"))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:1\n", string(got))
	_, err = os.Stat(path + ".tmp")
	assert.True(t, os.IsNotExist(err), "no temporary file left behind")
}
