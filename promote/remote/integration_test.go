package remote_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/policy"
	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
	"github.com/imagetags/imagetags/promote/registrytest"
	"github.com/imagetags/imagetags/promote/remote"
	"github.com/imagetags/imagetags/promote/remote/internal/regtest"
	"github.com/imagetags/imagetags/reference"
	"github.com/imagetags/imagetags/tagging"
)

// fastRetry keeps fault scenarios quick: waits of a few milliseconds.
var fastRetry = remote.RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxElapsed: 5 * time.Second}

// backend returns a remote Registry for host over plain HTTP (host is on
// loopback) with a request counter below it.
func backend(t *testing.T, host string, opts ...remote.Option) (*remote.Registry, *regtest.Counter) {
	t.Helper()
	c := &regtest.Counter{}
	all := append([]remote.Option{remote.WithPlainHTTPLoopback(), remote.WithTransport(c), remote.WithRetry(fastRetry)}, opts...)
	reg, err := remote.New(host, all...)
	require.NoError(t, err)
	return reg, c
}

func ref(t *testing.T, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	require.NoError(t, err)
	return r
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestIntegrationConformance(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		repo := regtest.Repository(t, "conformance")
		d0 := regtest.Push(ctx, t, tg.Host, repo, "first")
		d1 := regtest.Push(ctx, t, tg.Host, repo, "second")
		reg, _ := backend(t, tg.Host)
		registrytest.TestRegistry(t, reg, registrytest.Fixture{
			Repository: ref(t, tg.Host+"/"+repo),
			Digests:    [2]digest.Digest{d0, d1},
		})
	})
}

// TestIntegrationPromotion walks a release through the promote package
// with the remote backend: publish, promote with preconditions, roll back,
// pin, check a fleet, delete a tag and list tags across pages.
func TestIntegrationPromotion(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		repo := tg.Host + "/" + regtest.Repository(t, "promotion")
		name := ref(t, repo)
		d1 := regtest.Push(ctx, t, tg.Host, name.Repository(), "1.0.0")
		d2 := regtest.Push(ctx, t, tg.Host, name.Repository(), "1.1.0")
		reg, _ := backend(t, tg.Host, remote.WithPageSize(2))

		set1, err := tagging.Derive(tagging.Facts{Version: "1.0.0", Commit: "a3f2c8d"}, tagging.DefaultScheme())
		require.NoError(t, err)
		rec, err := promote.Publish(ctx, reg, ref(t, repo+"@"+d1.String()), set1.Names())
		require.NoError(t, err)
		assert.Equal(t, set1.Names(), rec.Moved(), "every tag of a new release moves")
		assert.Equal(t, d1, rec.Digest)

		rec, err = promote.Promote(ctx, reg, ref(t, repo+":1.0.0"), "staging", promote.ExpectAbsent())
		require.NoError(t, err)
		assert.Equal(t, []string{"staging"}, rec.Moved())
		prod1, err := promote.Promote(ctx, reg, ref(t, repo+":staging"), "production", promote.ExpectAbsent())
		require.NoError(t, err)
		assert.Equal(t, []string{"production"}, prod1.Moved())

		set2, err := tagging.Derive(tagging.Facts{Version: "1.1.0", Commit: "b4e5f6a", ExistingTags: set1.Names()}, tagging.DefaultScheme())
		require.NoError(t, err)
		rec, err = promote.Publish(ctx, reg, ref(t, repo+"@"+d2.String()), set2.Names())
		require.NoError(t, err)
		for _, ch := range rec.Tags {
			if slices.Contains(set1.Names(), ch.Tag) {
				assert.Equal(t, d1, ch.Previous, "tag %s moved from the first release", ch.Tag)
			}
		}

		_, err = promote.Promote(ctx, reg, ref(t, repo+":1.1.0"), "production", promote.ExpectCurrent(d2))
		require.ErrorIs(t, err, promote.ErrPreconditionFailed, "production is still on 1.0.0")
		rec, err = promote.Promote(ctx, reg, ref(t, repo+":1.1.0"), "staging", promote.ExpectCurrent(d1))
		require.NoError(t, err)
		assert.Equal(t, []string{"staging"}, rec.Moved())
		prod2, err := promote.Promote(ctx, reg, ref(t, repo+":staging"), "production", promote.ExpectCurrent(d1))
		require.NoError(t, err)
		require.Len(t, prod2.Tags, 1)
		assert.Equal(t, promote.TagChange{Tag: "production", Digest: d2, Previous: d1, Moved: true, Basis: promote.BasisRead}, prod2.Tags[0])

		back, err := promote.Rollback(ctx, reg, prod2)
		require.NoError(t, err)
		assert.Equal(t, []string{"production"}, back.Moved())
		pinned, err := promote.Pin(ctx, reg, ref(t, repo+":production"))
		require.NoError(t, err)
		assert.Equal(t, repo+":production@"+d1.String(), pinned.String(), "rolled back to the first release")

		// The fleet check sees production up to date and staging moved on.
		decisions, err := promote.CheckFleet(ctx, reg, []policy.Build{
			{Ref: ref(t, repo+":production"), Digest: d1},
			{Ref: ref(t, repo+":staging"), Digest: d1},
			{Ref: ref(t, repo+":gone"), Digest: d1},
		}, promote.FleetOptions{Concurrency: 2})
		require.NoError(t, err)
		require.Len(t, decisions, 3)
		assert.Equal(t, policy.ActionNone, decisions[0].Action, decisions[0].Message)
		assert.Equal(t, policy.ActionRebuild, decisions[1].Action, decisions[1].Message)
		assert.NotEqual(t, policy.ActionNone, decisions[2].Action, decisions[2].Message)

		// Rolling back the first promotion deletes the tag it created.
		_, err = promote.Rollback(ctx, reg, prod1)
		require.NoError(t, err)
		_, err = reg.Resolve(ctx, ref(t, repo+":production"))
		require.ErrorIs(t, err, promote.ErrNotFound)

		require.NoError(t, reg.DeleteTag(ctx, ref(t, repo+":staging")))
		_, err = reg.Resolve(ctx, ref(t, repo+":staging"))
		require.ErrorIs(t, err, promote.ErrNotFound)

		want := append(set1.Names(), set2.Names()...)
		slices.Sort(want)
		want = slices.Compact(want)
		all, err := promote.AllTags(ctx, reg, name)
		require.NoError(t, err)
		slices.Sort(all)
		assert.Equal(t, want, all, "two-tag pages list every tag once")
		first, err := reg.Tags(ctx, name, "", 0)
		require.NoError(t, err)
		assert.Len(t, first.Tags, 2, "WithPageSize sets the page")
		assert.NotEmpty(t, first.Next)
	})
}

// TestIntegrationRequestCounts measures the requests of each operation
// (without auth handshakes, which these registries do not need).
func TestIntegrationRequestCounts(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		repo := tg.Host + "/" + regtest.Repository(t, "counts")
		name := ref(t, repo)
		d := regtest.Push(ctx, t, tg.Host, name.Repository(), "counted", "a", "b")
		other := regtest.Push(ctx, t, tg.Host, name.Repository(), "other", "c", "o")
		tests := []struct {
			name string
			op   func(reg *remote.Registry) error
			want map[string]int
		}{
			{"resolve by tag", func(reg *remote.Registry) error {
				_, err := reg.Resolve(ctx, ref(t, repo+":a"))
				return err
			}, map[string]int{"HEAD manifest": 1}},
			{"resolve by digest", func(reg *remote.Registry) error {
				_, err := reg.Resolve(ctx, ref(t, repo+"@"+d.String()))
				return err
			}, map[string]int{"HEAD manifest": 1}},
			{"retag 5 tags, 2 in place, 1 elsewhere", func(reg *remote.Registry) error {
				_, err := reg.Retag(ctx, ref(t, repo+"@"+d.String()), "a", "b", "c", "d", "e")
				return err
			}, map[string]int{"GET manifest": 1, "HEAD manifest": 5, "PUT manifest": 3}},
			{"retag 2 tags, both in place", func(reg *remote.Registry) error {
				_, err := reg.Retag(ctx, ref(t, repo+":a"), "a", "b")
				return err
			}, map[string]int{"GET manifest": 1, "HEAD manifest": 2}},
			{"promote.Publish of 4 tags, 1 in place", func(reg *remote.Registry) error {
				_, err := promote.Publish(ctx, reg, ref(t, repo+"@"+other.String()), []string{"o", "p1", "p2", "p3"})
				return err
			}, map[string]int{"HEAD manifest": 5, "GET manifest": 1, "PUT manifest": 3}},
			{"promote.Publish of 2 tags, both in place", func(reg *remote.Registry) error {
				_, err := promote.Publish(ctx, reg, ref(t, repo+"@"+d.String()), []string{"a", "b"})
				return err
			}, map[string]int{"HEAD manifest": 3}},
			{"promote.Promote of a channel already in place", func(reg *remote.Registry) error {
				_, err := promote.Promote(ctx, reg, ref(t, repo+":a"), "b")
				return err
			}, map[string]int{"HEAD manifest": 2}},
			{"promote.Promote of a channel", func(reg *remote.Registry) error {
				_, err := promote.Promote(ctx, reg, ref(t, repo+":a"), "channel", promote.ExpectAbsent())
				return err
			}, map[string]int{"HEAD manifest": 2, "GET manifest": 1, "PUT manifest": 1}},
			{"tag twice: the second reuses the manifest read", func(reg *remote.Registry) error {
				if err := reg.Tag(ctx, ref(t, repo+":t1"), d); err != nil {
					return err
				}
				return reg.Tag(ctx, ref(t, repo+":t2"), d)
			}, map[string]int{"GET manifest": 1, "PUT manifest": 2}},
			{"one page of tags", func(reg *remote.Registry) error {
				_, err := reg.Tags(ctx, name, "", 2)
				return err
			}, map[string]int{"GET tags": 1}},
			{"fetch manifest", func(reg *remote.Registry) error {
				_, _, err := reg.FetchManifest(ctx, ref(t, repo+":a"))
				return err
			}, map[string]int{"GET manifest": 1}},
			{"delete tag", func(reg *remote.Registry) error {
				return reg.DeleteTag(ctx, ref(t, repo+":channel"))
			}, map[string]int{"DELETE manifest": 1}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				reg, counter := backend(t, tg.Host) // a fresh backend: nothing cached
				require.NoError(t, tt.op(reg))
				assert.Equal(t, tt.want, counter.Counts())
			})
		}
	})
}

// TestIntegrationFaults puts a fault-injecting proxy between the backend
// and the registry.
func TestIntegrationFaults(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		proxy := regtest.NewProxy(t, tg.Host)
		ctx := testContext(t)
		repoPath := regtest.Repository(t, "faults")
		repo := proxy.Host + "/" + repoPath
		d := regtest.Push(ctx, t, tg.Host, repoPath, "faulty")

		type outcome struct {
			moved, failed []string
			is            error // the sentinel the error matches, or nil for success
			anyErr        bool  // an error matching no sentinel
		}
		tests := []struct {
			name   string
			faults []regtest.Fault
			tags   []string
			want   outcome
		}{
			{"503 twice on every method", []regtest.Fault{{Kind: regtest.Status, Status: 503, Times: 2}},
				[]string{"s1", "s2"}, outcome{moved: []string{"s1", "s2"}}},
			{"500 then 502 on the PUT", []regtest.Fault{{Kind: regtest.Status, Status: 500, Method: "PUT", Times: 1}, {Kind: regtest.Status, Status: 502, Method: "PUT", Times: 1}},
				[]string{"p1", "p2"}, outcome{moved: []string{"p1", "p2"}}},
			{"502 on every PUT of one tag", []regtest.Fault{{Kind: regtest.Status, Status: 502, Method: "PUT", Path: "/manifests/q2"}},
				[]string{"q1", "q2", "q3"}, outcome{moved: []string{"q1", "q3"}, failed: []string{"q2"}, anyErr: true}},
			{"429 with a short Retry-After", []regtest.Fault{{Kind: regtest.RateLimit, RetryAfter: "0", Times: 2}},
				[]string{"r1"}, outcome{moved: []string{"r1"}}},
			{"429 asking for longer than the policy waits", []regtest.Fault{{Kind: regtest.RateLimit, RetryAfter: "7", Method: "PUT"}},
				[]string{"l1"}, outcome{failed: []string{"l1"}, is: promote.ErrRateLimited}},
			{"connection reset on the GET", []regtest.Fault{{Kind: regtest.Reset, Method: "GET", Times: 1}},
				[]string{"c1"}, outcome{moved: []string{"c1"}}},
			{"connection reset on the HEAD and the PUT", []regtest.Fault{{Kind: regtest.Reset, Method: "HEAD", Times: 1}, {Kind: regtest.Reset, Method: "PUT", Times: 1}},
				[]string{"c2"}, outcome{moved: []string{"c2"}}},
			{"truncated manifest body once", []regtest.Fault{{Kind: regtest.Truncate, Method: "GET", Times: 1}},
				[]string{"t1"}, outcome{moved: []string{"t1"}}},
			{"truncated manifest body always", []regtest.Fault{{Kind: regtest.Truncate, Method: "GET"}},
				[]string{"t2"}, outcome{anyErr: true}},
			{"denied PUT", []regtest.Fault{{Kind: regtest.Status, Status: 403, Method: "PUT"}},
				[]string{"x1"}, outcome{failed: []string{"x1"}, is: promote.ErrDenied}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				reg, _ := backend(t, proxy.Host)
				proxy.Clear()
				for _, f := range tt.faults {
					proxy.Add(f)
				}
				rec, err := reg.Retag(ctx, ref(t, repo+"@"+d.String()), tt.tags...)
				assert.Positive(t, proxy.Hits(), "the fault was injected")
				assert.Equal(t, tt.want.moved, rec.Moved(), "moved")
				assert.Equal(t, tt.want.failed, rec.Failed(), "failed")
				switch {
				case tt.want.is != nil:
					require.ErrorIs(t, err, tt.want.is)
				case tt.want.anyErr:
					require.Error(t, err)
				default:
					require.NoError(t, err)
				}
				if len(tt.want.failed) > 0 {
					var pe *promote.PartialError
					require.ErrorAs(t, err, &pe)
					assert.Equal(t, tt.want.moved, pe.Moved)
					assert.Equal(t, tt.want.failed, pe.Failed)
				}

				// Without faults, running again converges: the tags that
				// did not move now move, the others are left alone.
				proxy.Clear()
				again, err := reg.Retag(ctx, ref(t, repo+"@"+d.String()), tt.tags...)
				require.NoError(t, err)
				var rest []string
				for _, tag := range tt.tags {
					if !slices.Contains(tt.want.moved, tag) {
						rest = append(rest, tag)
					}
				}
				assert.Equal(t, rest, again.Moved())
				third, err := reg.Retag(ctx, ref(t, repo+"@"+d.String()), tt.tags...)
				require.NoError(t, err)
				assert.Empty(t, third.Moved())
			})
		}

		t.Run("rate limit carries Retry-After", func(t *testing.T) {
			reg, _ := backend(t, proxy.Host)
			proxy.Clear()
			proxy.Add(regtest.Fault{Kind: regtest.RateLimit, RetryAfter: "7"})
			_, err := reg.Resolve(ctx, ref(t, repo+"@"+d.String()))
			var rl *promote.RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 7*time.Second, rl.RetryAfter)
			proxy.Clear()
		})

		t.Run("hang past the deadline", func(t *testing.T) {
			for _, method := range []string{"HEAD", "GET", "PUT"} {
				reg, _ := backend(t, proxy.Host)
				proxy.Clear()
				proxy.Add(regtest.Fault{Kind: regtest.Hang, Method: method})
				hctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				start := time.Now()
				rec, err := reg.Retag(hctx, ref(t, repo+"@"+d.String()), "h-"+method)
				cancel()
				assert.Less(t, time.Since(start), 5*time.Second, "%s: returned soon after its deadline", method)
				require.ErrorIs(t, err, context.DeadlineExceeded, method)
				assert.Empty(t, rec.Moved(), method)
				proxy.Clear()
			}
		})

		t.Run("hang past the deadline in listing and deleting", func(t *testing.T) {
			calls := map[string]func(ctx context.Context, reg *remote.Registry) error{
				"GET": func(ctx context.Context, reg *remote.Registry) error {
					_, err := reg.Tags(ctx, ref(t, repo), "", 0)
					return err
				},
				"DELETE": func(ctx context.Context, reg *remote.Registry) error {
					return reg.DeleteTag(ctx, ref(t, repo+":s1"))
				},
			}
			for method, call := range calls {
				reg, _ := backend(t, proxy.Host)
				proxy.Clear()
				proxy.Add(regtest.Fault{Kind: regtest.Hang, Method: method})
				hctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				start := time.Now()
				err := call(hctx, reg)
				cancel()
				assert.Less(t, time.Since(start), 5*time.Second, "%s: returned soon after its deadline", method)
				require.ErrorIs(t, err, context.DeadlineExceeded, method)
				proxy.Clear()
			}
			reg, _ := backend(t, proxy.Host)
			_, err := reg.Resolve(ctx, ref(t, repo+":s1"))
			require.NoError(t, err, "the hung DELETE did not remove the tag")
		})

		t.Run("retries stop at the time budget", func(t *testing.T) {
			reg, _ := backend(t, proxy.Host, remote.WithRetry(remote.RetryPolicy{MaxRetries: 1000, MinBackoff: 20 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxElapsed: 300 * time.Millisecond}))
			proxy.Clear()
			proxy.Add(regtest.Fault{Kind: regtest.Status, Status: 503})
			start := time.Now()
			_, err := reg.Resolve(ctx, ref(t, repo+"@"+d.String()))
			var re *remote.Error
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 503, re.StatusCode)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.Less(t, proxy.Hits(), 100, "bounded by time, not by the huge count")
			proxy.Clear()
		})
	})
}

func TestIntegrationNotFoundIsNotRetried(t *testing.T) {
	regtest.Run(t, func(t *testing.T, tg regtest.Target) {
		ctx := testContext(t)
		reg, counter := backend(t, tg.Host)
		_, err := reg.Resolve(ctx, ref(t, tg.Host+"/"+regtest.Repository(t, "missing")+":nope"))
		require.ErrorIs(t, err, promote.ErrNotFound)
		assert.Equal(t, map[string]int{"HEAD manifest": 1}, counter.Counts())
		assert.False(t, errors.Is(err, promote.ErrDenied))
	})
}

// TestFakeRulesOverHTTP checks that what the fake enforces reaches the
// caller of the remote backend as the same sentinel: immutable tags like
// ECR's, and injected faults.
func TestFakeRulesOverHTTP(t *testing.T) {
	tg := regtest.Fake(t)
	ctx := testContext(t)
	repoPath := regtest.Repository(t, "rules")
	repo := tg.Host + "/" + repoPath
	d1 := regtest.Push(ctx, t, tg.Host, repoPath, "one", "v1.0.0", "latest")
	d2 := regtest.Push(ctx, t, tg.Host, repoPath, "two")
	require.NoError(t, tg.Memory.SetImmutable(memory.Rule{Tags: []string{"v*"}}))
	reg, _ := backend(t, tg.Host)

	rec, err := promote.Publish(ctx, reg, ref(t, repo+"@"+d2.String()), []string{"v1.0.0", "latest"})
	require.ErrorIs(t, err, promote.ErrTagImmutable)
	var pe *promote.PartialError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, []string{"latest"}, pe.Moved)
	assert.Equal(t, []string{"v1.0.0"}, pe.Failed)
	assert.Equal(t, d1, rec.Tags[0].Previous)
	assert.Contains(t, rec.Tags[0].Error, "immutable")

	tests := []struct {
		name  string
		fault memory.Fault
		check func(t *testing.T, err error)
	}{
		{"rate limited", memory.Fault{Op: memory.OpResolve, Err: &promote.RateLimitError{RetryAfter: 42 * time.Second}}, func(t *testing.T, err error) {
			var rl *promote.RateLimitError
			require.ErrorAs(t, err, &rl)
			assert.Equal(t, 42*time.Second, rl.RetryAfter)
		}},
		{"unauthorized", memory.Fault{Op: memory.OpResolve, Err: promote.ErrUnauthorized}, func(t *testing.T, err error) {
			require.ErrorIs(t, err, promote.ErrUnauthorized)
		}},
		{"denied", memory.Fault{Op: memory.OpResolve, Err: promote.ErrDenied}, func(t *testing.T, err error) {
			require.ErrorIs(t, err, promote.ErrDenied)
		}},
		{"unsupported", memory.Fault{Op: memory.OpResolve, Err: promote.ErrUnsupported}, func(t *testing.T, err error) {
			require.ErrorIs(t, err, promote.ErrUnsupported)
		}},
		{"server error, retried until it clears", memory.Fault{Op: memory.OpResolve, Times: 2}, func(t *testing.T, err error) {
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg.Memory.ClearFaults()
			tg.Memory.InjectFault(tt.fault)
			defer tg.Memory.ClearFaults()
			_, err := reg.Resolve(ctx, ref(t, repo+":latest"))
			tt.check(t, err)
		})
	}
}
