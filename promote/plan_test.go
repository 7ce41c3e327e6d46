package promote_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/memory"
)

const goodDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParsePromotionManifest(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		err  string // "" for success
	}{
		{"minimal", `{"source":"staging.test/team","destinations":["prod.test/team"],"images":[{"name":"app","digests":{"` + goodDigest + `":["1.0.0"]}}]}`, ""},
		{"untagged copy", `{"source":"staging.test/team/app","destinations":["prod.test/team/app"],"images":[{"name":"","digests":{"` + goodDigest + `":[]}}]}`, ""},
		{"host only with named image", `{"source":"localhost:5000","destinations":["prod.test"],"images":[{"name":"team/app","digests":{"` + goodDigest + `":["x"]}}]}`, ""},
		{"unknown field", `{"source":"staging.test/team","destination":["prod.test/team"],"images":[]}`, `unknown field "destination"`},
		{"implied host", `{"source":"team","destinations":["prod.test/team"],"images":[{"name":"app","digests":{"` + goodDigest + `":["1"]}}]}`, "the host is never implied"},
		{"no destinations", `{"source":"staging.test/team","destinations":[],"images":[{"name":"app","digests":{"` + goodDigest + `":["1"]}}]}`, "no destinations"},
		{"destination is source", `{"source":"staging.test/team","destinations":["staging.test/team/"],"images":[{"name":"app","digests":{"` + goodDigest + `":["1"]}}]}`, "is the source"},
		{"destination twice", `{"source":"staging.test/team","destinations":["p.test/a","p.test/a"],"images":[{"name":"app","digests":{"` + goodDigest + `":["1"]}}]}`, "listed twice"},
		{"no images", `{"source":"staging.test/team","destinations":["prod.test/team"],"images":[]}`, "no images"},
		{"image twice", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{"` + goodDigest + `":[]}},{"name":"a","digests":{"` + goodDigest + `":[]}}]}`, "image listed twice"},
		{"no repository", `{"source":"s.test","destinations":["p.test/t"],"images":[{"name":"","digests":{"` + goodDigest + `":[]}}]}`, "no repository"},
		{"bad name", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"App","digests":{"` + goodDigest + `":[]}}]}`, `images[0] ("App")`},
		{"no digests", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{}}]}`, "no digests"},
		{"bad digest", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{"sha256:abc":["1"]}}]}`, `digest "sha256:abc"`},
		{"bad tag", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{"` + goodDigest + `":["-x"]}}]}`, "digest " + goodDigest},
		{"tag on two digests", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{"` + goodDigest + `":["1"],"sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef":["1"]}}]}`, "a tag names one digest"},
		{"bad glob", `{"source":"s.test/t","destinations":["p.test/t"],"allowMove":["["],"images":[{"name":"a","digests":{"` + goodDigest + `":["1"]}}]}`, `allowMove: pattern "["`},
		{"two documents", `{"source":"s.test/t","destinations":["p.test/t"],"images":[{"name":"a","digests":{"` + goodDigest + `":["1"]}}]} {}`, "more than one JSON document"},
		{"not JSON", `source: s.test`, "promotion manifest: invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := promote.ParsePromotionManifest([]byte(tt.doc))
			if tt.err == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, m.Images)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.err)
		})
	}
}

func FuzzParsePromotionManifest(f *testing.F) {
	f.Add([]byte(`{"source":"staging.test/team","destinations":["prod.test/team"],"images":[{"name":"app","digests":{"` + goodDigest + `":["1.0.0","latest"]}}]}`))
	f.Add([]byte(`{"source":"localhost:5000","destinations":["a.test","b.test/x"],"allowMove":["*"],"images":[{"name":"t/a","digests":{}}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := promote.ParsePromotionManifest(data)
		if err != nil {
			return
		}
		// A manifest that parsed validates, and survives a round trip.
		require.NoError(t, m.Validate())
		out, err := json.Marshal(m)
		require.NoError(t, err)
		back, err := promote.ParsePromotionManifest(out)
		require.NoError(t, err)
		assert.Equal(t, m, back)
	})
}

// promotion seeds a staging registry with a signed index and an older
// image, and returns a manifest promoting the index to prod.
func promotion(t *testing.T) (staging, prod *memory.Registry, idx, old digest.Digest, m promote.PromotionManifest) {
	t.Helper()
	staging, prod = memory.New(), memory.New()
	desc, _ := signedImage(t, staging, "team/app")
	olds, err := prod.Seed(memory.Image{Repository: "team/app", Tags: []string{"production", "stable", "1.0"}, Content: "old"})
	require.NoError(t, err)
	m = promote.PromotionManifest{
		Source:       "staging.test/team",
		Destinations: []string{"prod.test/team"},
		AllowMove:    []string{"production"},
		Images: []promote.PromotedImage{{
			Name:      "app",
			Digests:   map[digest.Digest][]string{desc.Digest: {"1.0.1", "production", "1.0"}},
			AllowMove: []string{"1.*"},
		}},
	}
	return staging, prod, desc.Digest, olds[0], m
}

func TestPlanApply(t *testing.T) {
	ctx := context.Background()
	staging, prod, idx, old, m := promotion(t)
	regs := promote.HostMap{"staging.test": staging, "prod.test": prod}

	plan, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	require.Len(t, plan.Images, 1)
	pi := plan.Images[0]
	assert.Equal(t, "staging.test/team/app@"+idx.String(), pi.Source)
	assert.Equal(t, "prod.test/team/app", pi.Destination)
	assert.True(t, pi.Copy)
	assert.False(t, pi.Present)
	assert.Equal(t, 2, pi.Referrers)
	assert.Equal(t, 2, pi.MissingReferrers)
	assert.Equal(t, []promote.PlannedTag{
		{Tag: "1.0.1", Action: promote.TagCreate},
		{Tag: "production", Action: promote.TagMove, Current: old},
		{Tag: "1.0", Action: promote.TagMove, Current: old},
	}, pi.Tags)
	assert.Empty(t, plan.Refused())
	assert.False(t, plan.Empty())
	text := plan.String()
	assert.Contains(t, text, "staging.test/team/app@"+idx.String()+" -> prod.test/team/app\n")
	assert.Contains(t, text, "  + copy image with 2 referrer(s)\n")
	assert.Contains(t, text, "  ~ production: move from "+old.String()+"\n")

	// The plan is data: it survives JSON.
	data, err := json.Marshal(plan)
	require.NoError(t, err)
	var back promote.Plan
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, plan, back)

	prod.ResetEvents()
	recs, err := back.Apply(ctx, regs, promote.WithClock(clock))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"1.0.1", "production", "1.0"}, recs[0].Moved())
	assert.True(t, recs[0].Content.Complete)
	assert.Equal(t, 5, recs[0].Content.ManifestsSent())

	// Planned again, the manifest is in place; applying that does nothing.
	again, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	assert.True(t, again.Empty(), again.String())
	assert.Contains(t, again.String(), "  = image in place (2 referrer(s))\n")
	prod.ResetEvents()
	recs, err = again.Apply(ctx, regs)
	require.NoError(t, err)
	assert.Empty(t, recs[0].Moved())
	assert.Empty(t, prod.Events(), "re-applying writes nothing")
}

func TestPlanRefusals(t *testing.T) {
	ctx := context.Background()
	staging2, prod2, idx, old, m2 := promotion(t)
	regs := promote.HostMap{"staging.test": staging2, "prod.test": prod2}
	m2.Images[0].Digests = map[digest.Digest][]string{idx: {"stable", "1.0"}}

	plan, err := m2.Plan(ctx, regs, promote.WithImmutablePatterns("1.*"))
	require.NoError(t, err)
	tags := plan.Images[0].Tags
	require.Len(t, tags, 2)
	assert.Equal(t, promote.TagRefused, tags[0].Action)
	assert.Contains(t, tags[0].Reason, "does not allow moving it")
	assert.Equal(t, promote.TagRefused, tags[1].Action, "allowMove does not override protection")
	assert.Contains(t, tags[1].Reason, "immutable-tag option")
	assert.Contains(t, plan.String(), "  ! stable: refused: points at "+old.String())

	prod2.ResetEvents()
	_, err = plan.Apply(ctx, regs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refuses 2 tag(s), so nothing was done")
	assert.Contains(t, err.Error(), "prod.test/team/app:stable")
	assert.Empty(t, prod2.Events())
}

func TestApplyPreconditionFromPlan(t *testing.T) {
	ctx := context.Background()
	staging, prod, idx, _, m := promotion(t)
	regs := promote.HostMap{"staging.test": staging, "prod.test": prod}
	plan, err := m.Plan(ctx, regs)
	require.NoError(t, err)

	// Someone moves production between plan and apply.
	other, err := prod.Seed(memory.Image{Repository: "team/app", Content: "hotfix"})
	require.NoError(t, err)
	require.NoError(t, prod.Tag(ctx, ref(t, "prod.test/team/app:production"), other[0]))

	recs, err := plan.Apply(ctx, regs)
	require.ErrorIs(t, err, promote.ErrPreconditionFailed)
	var ae *promote.ApplyError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, []string{"prod.test/team/app:1.0.1", "prod.test/team/app:1.0"}, ae.Moved)
	require.Len(t, ae.Copied, 1)
	assert.Contains(t, ae.Copied[0], "prod.test/team/app@"+idx.String()+": sent 5 manifest(s)")
	assert.Contains(t, err.Error(), `tag "production"`)
	assert.Contains(t, err.Error(), "found it at "+other[0].String())
	got, err := prod.Resolve(ctx, ref(t, "prod.test/team/app:production"))
	require.NoError(t, err)
	assert.Equal(t, other[0], got.Digest, "the hotfix is not overwritten")
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"production"}, recs[0].Failed())
}

func TestPlanErrorsNameTheImage(t *testing.T) {
	ctx := context.Background()
	staging, prod, _, _, m := promotion(t)
	_, err := m.Plan(ctx, promote.HostMap{"staging.test": staging})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no registry configured for host "prod.test" (known: staging.test)`)

	m.Images[0].Digests = map[digest.Digest][]string{goodDigest: {"x"}}
	_, err = m.Plan(ctx, promote.HostMap{"staging.test": staging, "prod.test": prod})
	require.ErrorIs(t, err, promote.ErrNotFound)
	assert.Contains(t, err.Error(), "staging.test/team/app@"+goodDigest)
	assert.Contains(t, err.Error(), "source registry staging.test")
}

func TestPlanManyDestinationsReadsSourceOnce(t *testing.T) {
	ctx := context.Background()
	staging, prod, idx, _, m := promotion(t)
	mirror := memory.New()
	regs := promote.HostMap{"staging.test": staging, "prod.test": prod, "mirror.test": mirror}

	staging.ResetEvents()
	_, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	one := staging.Calls(memory.OpFetch)

	m.Destinations = append(m.Destinations, "mirror.test/public")
	staging.ResetEvents()
	plan, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	assert.Equal(t, one, staging.Calls(memory.OpFetch), "the source is read once, whatever the number of destinations")
	require.Len(t, plan.Images, 2)
	assert.Equal(t, "mirror.test/public/app", plan.Images[1].Destination)
	assert.Equal(t, idx, plan.Images[1].Digest)

	recs, err := plan.Apply(ctx, regs)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	got, err := mirror.Resolve(ctx, ref(t, "mirror.test/public/app:1.0.1"))
	require.NoError(t, err)
	assert.Equal(t, idx, got.Digest)
}

func TestApplyCopyFailureSetsNoTag(t *testing.T) {
	ctx := context.Background()
	staging, prod, idx, old, m := promotion(t)
	regs := promote.HostMap{"staging.test": staging, "prod.test": prod}
	plan, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	prod.InjectFault(memory.Fault{Op: memory.OpPushManifest, After: 1, Err: promote.ErrDenied})

	recs, err := plan.Apply(ctx, regs)
	require.ErrorIs(t, err, promote.ErrDenied)
	var ae *promote.ApplyError
	require.ErrorAs(t, err, &ae)
	assert.Empty(t, ae.Moved)
	require.Len(t, ae.Copied, 1, "some content arrived before the refusal")
	assert.Contains(t, err.Error(), "destination registry prod.test failed")
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"1.0.1", "production", "1.0"}, recs[0].Failed())
	got, err := prod.Resolve(ctx, ref(t, "prod.test/team/app:production"))
	require.NoError(t, err)
	assert.Equal(t, old, got.Digest, "production still on the old image")

	first := digestsOf(recs[0].Content.Sent)
	require.NotEmpty(t, first)

	prod.ClearFaults()
	again, err := m.Plan(ctx, regs)
	require.NoError(t, err)
	recs, err = again.Apply(ctx, regs)
	require.NoError(t, err)
	assert.Equal(t, []string{"1.0.1", "production", "1.0"}, recs[0].Moved())
	for _, c := range recs[0].Content.Sent {
		assert.NotContains(t, first, c.Digest, "sent again")
	}
	got, err = prod.Resolve(ctx, ref(t, "prod.test/team/app:production"))
	require.NoError(t, err)
	assert.Equal(t, idx, got.Digest)
}
