// Package remote is the promote.Registry backend for real OCI registries.
package remote
