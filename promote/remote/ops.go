package remote

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"
	orasremote "oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/reference"
)

// key returns what ref names inside its repository: its digest when
// pinned, otherwise its tag (or "latest").
func key(ref reference.Reference) string {
	if ref.IsPinned() {
		return string(ref.Digest())
	}
	return ref.TagOrLatest()
}

// Resolve returns the descriptor of the manifest ref names with one HEAD
// request (Docker Hub does not count HEAD against its pull limit).
func (r *Registry) Resolve(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, error) {
	ctx, st, cancel := r.begin(ctx)
	defer cancel()
	repo, err := r.repository(ref)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("remote: resolve %q: %w", ref.String(), err)
	}
	if err := ctx.Err(); err != nil {
		return ocispec.Descriptor{}, r.wrap("resolve", ref.String(), err, st)
	}
	desc, err := repo.Manifests().Resolve(ctx, key(ref))
	if err != nil {
		err = r.wrap("resolve", ref.String(), err, st)
		if ref.IsPinned() && errors.Is(err, promote.ErrNotFound) {
			r.cache.drop(repo.Reference.Repository, ref.Digest())
		}
		return ocispec.Descriptor{}, err
	}
	r.cache.confirm(repo.Reference.Repository, desc.Digest)
	return ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}, nil
}

// FetchManifest returns the descriptor and bytes of the manifest ref names
// with one GET request, after checking that the bytes hash to the digest
// (the one ref pins, or the one the registry reports).
func (r *Registry) FetchManifest(ctx context.Context, ref reference.Reference) (ocispec.Descriptor, []byte, error) {
	ctx, st, cancel := r.begin(ctx)
	defer cancel()
	repo, err := r.repository(ref)
	if err != nil {
		return ocispec.Descriptor{}, nil, fmt.Errorf("remote: fetch manifest %q: %w", ref.String(), err)
	}
	m, err := r.fetch(ctx, repo, ref)
	if err != nil {
		return ocispec.Descriptor{}, nil, r.wrap("fetch manifest", ref.String(), err, st)
	}
	return m.desc, slices.Clone(m.data), nil
}

// Tag points the tag of ref at manifest d: it reads the manifest (one GET,
// or none when this Registry read it recently) and writes it under the tag
// (one PUT). It does not look where the tag points first; callers that
// want to skip tags already in place use Retag, or promote.Publish, which
// resolves each tag before calling Tag.
func (r *Registry) Tag(ctx context.Context, ref reference.Reference, d digest.Digest) error {
	ctx, st, cancel := r.begin(ctx)
	defer cancel()
	if !ref.HasTag() {
		return fmt.Errorf("remote: tag %q: the reference has no tag", ref.String())
	}
	if err := d.Validate(); err != nil {
		return fmt.Errorf("remote: tag %q with digest %q: %w", ref.String(), d, err)
	}
	repo, err := r.repository(ref)
	if err != nil {
		return fmt.Errorf("remote: tag %q: %w", ref.String(), err)
	}
	src, err := ref.NameOnly().WithDigest(d)
	if err != nil {
		return fmt.Errorf("remote: tag %q with digest %q: %w", ref.String(), d, err)
	}
	m, err := r.manifest(ctx, repo, src)
	if err != nil {
		return r.wrap("tag", ref.String(), err, st)
	}
	return r.wrap("tag", ref.String(), r.push(ctx, repo, m, ref.Tag()), st)
}

// Retag points every tag in tags at the manifest src names (a tag or a
// digest of the same repository) in the fewest requests: one GET of the
// manifest, whose bytes are checked against the digest, then for each tag
// one HEAD, and one PUT only when the tag points elsewhere. Duplicate tags
// are handled once.
//
// The Record is that of promote.Publish: each tag with its previous digest
// and whether it moved. When some tags fail, the others are still set and
// the error is a *promote.PartialError naming both.
func (r *Registry) Retag(ctx context.Context, src reference.Reference, tags ...string) (promote.Record, error) {
	rec := promote.Record{Operation: "publish", Repository: src.Name(), Source: src.String(), Tags: []promote.TagChange{}, Time: time.Now()}
	repo, err := r.repository(src)
	if err != nil {
		return rec, fmt.Errorf("remote: retag %q: %w", src.String(), err)
	}
	if len(tags) == 0 {
		return rec, fmt.Errorf("remote: retag %q: no tags given", src.String())
	}
	fctx, st, cancel := r.begin(ctx)
	m, err := r.fetch(fctx, repo, src)
	cancel()
	if err != nil {
		return rec, r.wrap("retag", src.String(), err, st)
	}
	rec.Digest = m.desc.Digest
	seen := map[string]bool{}
	var failures []error
	for _, tag := range tags {
		if seen[tag] {
			continue
		}
		seen[tag] = true
		ch, err := r.retagOne(ctx, repo, src, m, tag)
		rec.Tags = append(rec.Tags, ch)
		if err != nil {
			failures = append(failures, err)
		}
	}
	if len(failures) == 0 {
		return rec, nil
	}
	return rec, &promote.PartialError{Op: rec.Operation, Repository: rec.Repository, Moved: rec.Moved(), Failed: rec.Failed(), Err: errors.Join(failures...)}
}

func (r *Registry) retagOne(ctx context.Context, repo *orasremote.Repository, src reference.Reference, m manifest, tag string) (promote.TagChange, error) {
	ch := promote.TagChange{Tag: tag, Digest: m.desc.Digest}
	ctx, st, cancel := r.begin(ctx) // each tag is a call of its own
	defer cancel()
	fail := func(err error) (promote.TagChange, error) {
		ch.Error = err.Error()
		return ch, err
	}
	dst, err := src.WithoutDigest().WithTag(tag)
	if err != nil {
		return fail(fmt.Errorf("remote: retag to tag %q: %w", tag, err))
	}
	if err := ctx.Err(); err != nil {
		return fail(r.wrap("retag", dst.String(), err, st))
	}
	desc, err := repo.Manifests().Resolve(ctx, tag)
	switch werr := r.wrap("resolve", dst.String(), err, st); {
	case err == nil:
		ch.Previous = desc.Digest
	case errors.Is(werr, promote.ErrNotFound):
	default:
		return fail(werr)
	}
	if ch.Previous == m.desc.Digest {
		return ch, nil
	}
	if err := r.push(ctx, repo, m, tag); err != nil {
		werr := r.wrap("tag", dst.String(), err, st)
		// Even a clear refusal may answer a retry of a push that landed.
		if !r.landed(ctx, repo, tag, m.desc.Digest) {
			return fail(werr)
		}
		ch.Moved, ch.Basis = true, promote.BasisReadBack
		return ch, nil
	}
	ch.Moved, ch.Basis = true, promote.BasisRead
	return ch, nil
}

// landed reports whether tag points at d now: the check, after a write
// whose answer was lost, that tells a write the registry applied from one
// it never saw. It reads even when ctx is done, as a call of its own.
func (r *Registry) landed(ctx context.Context, repo *orasremote.Repository, tag string, d digest.Digest) bool {
	// A call of its own: fresh retry budget and deadline, whatever the
	// failed write used up.
	vctx, _, cancel := r.begin(context.WithoutCancel(ctx))
	defer cancel()
	desc, err := repo.Manifests().Resolve(vctx, tag)
	return err == nil && desc.Digest == d
}

// DeleteTag removes the tag of ref with a DELETE of the manifest by tag,
// which CNCF distribution v3, Harbor, GHCR and others treat as untagging.
// Registries that refuse it answer 405 or UNSUPPORTED: ErrUnsupported.
// When a DELETE is retried after its answer was lost (a dropped
// connection, a timeout, a 5xx), the first attempt may have succeeded, so
// a retry answered with 404 counts as done; a first attempt answered with
// 404 is ErrNotFound.
func (r *Registry) DeleteTag(ctx context.Context, ref reference.Reference) error {
	ctx, st, cancel := r.begin(ctx)
	defer cancel()
	if !ref.HasTag() {
		return fmt.Errorf("remote: delete tag %q: the reference has no tag", ref.String())
	}
	repo, err := r.repository(ref)
	if err != nil {
		return fmt.Errorf("remote: delete tag %q: %w", ref.String(), err)
	}
	ctx = auth.AppendRepositoryScope(ctx, repo.Reference, auth.ActionPull, auth.ActionDelete)
	u := r.baseURL(repo.Reference) + "/manifests/" + ref.Tag()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	if err != nil {
		return fmt.Errorf("remote: delete tag %q: %w", ref.String(), err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return r.wrap("delete tag", ref.String(), err, st)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusAccepted, http.StatusOK, http.StatusNoContent:
		return nil
	case http.StatusNotFound:
		if st.retried.Load() {
			// An earlier attempt, whose answer was lost, removed it.
			return nil
		}
	}
	return r.wrap("delete tag", ref.String(), responseError(resp), st)
}

// Tags returns one page of repo's tags with one GET of the tag list. The
// cursor is opaque: it carries the registry's own next-page link (from the
// Link header), so token-paging registries such as ECR and Quay page
// correctly, and the number of pages followed, so that a listing stops
// with ErrPageCap at the cap. limit zero or less means the page size of
// WithPageSize.
func (r *Registry) Tags(ctx context.Context, repo reference.Reference, cursor string, limit int) (promote.TagPage, error) {
	ctx, st, cancel := r.begin(ctx)
	defer cancel()
	orepo, err := r.repository(repo)
	if err != nil {
		return promote.TagPage{}, fmt.Errorf("remote: list tags of %q: %w", repo.Name(), err)
	}
	pageNo, query, err := decodeCursor(cursor)
	if err != nil {
		return promote.TagPage{}, fmt.Errorf("remote: list tags of %q: cursor %q: %w", repo.Name(), cursor, err)
	}
	if pageNo >= r.pageCap {
		return promote.TagPage{}, fmt.Errorf("remote: list tags of %q: %d pages followed: %w", repo.Name(), pageNo, ErrPageCap)
	}
	if limit <= 0 {
		limit = r.page
	}
	query.Set("n", strconv.Itoa(limit))
	ctx = auth.AppendRepositoryScope(ctx, orepo.Reference, auth.ActionPull)
	listURL := r.baseURL(orepo.Reference) + "/tags/list"
	var page promote.TagPage
	ctx = withRetryBudget(ctx)
	err = r.bodyRetry(ctx, func() error {
		var err error
		page, err = r.tagPage(ctx, listURL, query, pageNo, limit)
		return err
	})
	if err != nil {
		return promote.TagPage{}, r.wrap("list tags", repo.Name(), err, st)
	}
	return page, nil
}

func (r *Registry) tagPage(ctx context.Context, listURL string, query url.Values, pageNo, limit int) (promote.TagPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, listURL+"?"+query.Encode(), nil)
	if err != nil {
		return promote.TagPage{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return promote.TagPage{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return promote.TagPage{}, responseError(resp)
	}
	var body struct {
		Tags []string `json:"tags"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxManifestSize+1))
	if err != nil {
		return promote.TagPage{}, &bodyError{err: err}
	}
	if len(data) > MaxManifestSize {
		return promote.TagPage{}, fmt.Errorf("tag list larger than %d bytes", MaxManifestSize)
	}
	if resp.ContentLength >= 0 && int64(len(data)) != resp.ContentLength {
		return promote.TagPage{}, &bodyError{err: fmt.Errorf("tag list body has %d bytes, header said %d", len(data), resp.ContentLength)}
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return promote.TagPage{}, &bodyError{err: fmt.Errorf("tag list is not valid JSON: %w", err)}
	}
	page := promote.TagPage{Tags: body.Tags}
	if page.Tags == nil {
		page.Tags = []string{}
	}
	next, err := nextLink(resp, req.URL)
	if err != nil {
		return promote.TagPage{}, err
	}
	if len(page.Tags) > limit {
		// The registry ignored n: cut the page and continue after its
		// last tag, the paging every registry understands.
		page.Tags = page.Tags[:limit]
		next = url.Values{"last": {page.Tags[limit-1]}}
	}
	if next != nil {
		page.Next = encodeCursor(pageNo+1, next)
	}
	return page, nil
}

// nextLink returns the query of the Link rel="next" target, which must
// stay on the same endpoint, or nil when there is no next page.
func nextLink(resp *http.Response, reqURL *url.URL) (url.Values, error) {
	for _, v := range resp.Header.Values("Link") {
		for _, link := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			target = strings.TrimSpace(target)
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				return nil, fmt.Errorf("malformed Link header %q", v)
			}
			u, err := reqURL.Parse(target[1 : len(target)-1])
			if err != nil {
				return nil, fmt.Errorf("malformed Link header %q: %w", v, err)
			}
			if u.Scheme != reqURL.Scheme || u.Host != reqURL.Host || u.Path != reqURL.Path {
				return nil, fmt.Errorf("the next-page link %q leaves the tag list endpoint %q", u.Redacted(), reqURL.Path)
			}
			return u.Query(), nil
		}
	}
	return nil, nil
}

const cursorVersion = "t1"

// encodeCursor packs the page number and the next page's query.
func encodeCursor(pageNo int, query url.Values) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + "." + strconv.Itoa(pageNo) + "." + query.Encode()))
}

func decodeCursor(c string) (int, url.Values, error) {
	if c == "" {
		return 0, url.Values{}, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, nil, errors.New("not a cursor this backend returned")
	}
	parts := strings.SplitN(string(raw), ".", 3)
	if len(parts) != 3 || parts[0] != cursorVersion {
		return 0, nil, errors.New("not a cursor this backend returned")
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 0 {
		return 0, nil, errors.New("not a cursor this backend returned")
	}
	q, err := url.ParseQuery(parts[2])
	if err != nil {
		return 0, nil, errors.New("not a cursor this backend returned")
	}
	return n, q, nil
}

func (r *Registry) baseURL(ref registry.Reference) string {
	scheme := "https"
	if r.plain {
		scheme = "http"
	}
	return scheme + "://" + ref.Host() + "/v2/" + ref.Repository
}

// manifest is a manifest's descriptor and its verified bytes.
type manifest struct {
	desc ocispec.Descriptor
	data []byte
}

// manifest returns the manifest a pinned ref names, from the cache or
// with one GET.
func (r *Registry) manifest(ctx context.Context, repo *orasremote.Repository, ref reference.Reference) (manifest, error) {
	if m, ok := r.cache.get(repo.Reference.Repository, ref.Digest()); ok {
		return m, nil
	}
	return r.fetch(ctx, repo, ref)
}

// fetch GETs the manifest ref names, checks its bytes against the digest
// ref pins (or the registry reports), and caches it. A truncated or
// corrupted body is fetched again within the retry policy.
func (r *Registry) fetch(ctx context.Context, repo *orasremote.Repository, ref reference.Reference) (manifest, error) {
	var m manifest
	ctx = withRetryBudget(ctx)
	err := r.bodyRetry(ctx, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		desc, rc, err := repo.Manifests().FetchReference(ctx, key(ref))
		if err != nil {
			return err
		}
		defer rc.Close()
		if desc.Size > MaxManifestSize {
			return fmt.Errorf("manifest of %d bytes is larger than %d", desc.Size, MaxManifestSize)
		}
		data, err := io.ReadAll(io.LimitReader(rc, desc.Size+1))
		if err != nil {
			return &bodyError{err: fmt.Errorf("reading manifest: %w", err)}
		}
		if int64(len(data)) != desc.Size {
			return &bodyError{err: fmt.Errorf("manifest body has %d bytes, the registry announced %d", len(data), desc.Size)}
		}
		want := desc.Digest
		if ref.IsPinned() {
			want = ref.Digest()
		}
		if err := want.Validate(); err != nil {
			return fmt.Errorf("registry reported digest %q: %w", want, err)
		}
		if got := want.Algorithm().FromBytes(data); got != want {
			return &bodyError{err: fmt.Errorf("manifest bytes hash to %s, not %s", got, want)}
		}
		m = manifest{desc: ocispec.Descriptor{MediaType: desc.MediaType, Digest: want, Size: desc.Size}, data: data}
		return nil
	})
	if err != nil {
		return manifest{}, err
	}
	r.cache.put(repo.Reference.Repository, m)
	return m, nil
}

// push PUTs m under tag.
func (r *Registry) push(ctx context.Context, repo *orasremote.Repository, m manifest, tag string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := repo.Manifests().PushReference(ctx, m.desc, bytes.NewReader(m.data), tag)
	if err != nil {
		var e *Error
		if errors.As(r.wrap("tag", tag, err, nil), &e) && errors.Is(e, promote.ErrNotFound) {
			r.cache.drop(repo.Reference.Repository, m.desc.Digest)
		}
	}
	return err
}

// bodyError is a response body that ended early or did not match its
// digest: worth another request.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// bodyRetry runs f again when it fails reading a response body, within
// the retry policy's count and time budget. Status and connection errors
// were already retried by the transport.
//
// The count and the time are shared with the transport's retries of the
// same call through the budget in ctx (see withRetryBudget), so together
// they stay within the policy.
func (r *Registry) bodyRetry(ctx context.Context, f func() error) error {
	b := retryBudgetOf(ctx)
	if b == nil {
		b = &retryBudget{start: time.Now()}
	}
	wait := r.retry.MinBackoff
	for {
		err := f()
		var be *bodyError
		if err == nil || !errors.As(err, &be) || !b.take(r.retry, wait) {
			return err
		}
		if werr := waitOrDone(ctx, wait); werr != nil {
			return werr
		}
		wait = min(2*wait, r.retry.MaxBackoff)
	}
}

// manifestCacheFresh is how long after the registry last showed a manifest
// (a GET, or a HEAD by Resolve) its cached bytes may be pushed under a new
// tag without reading them again.
const manifestCacheFresh = 10 * time.Second

// manifestCache keeps recently read manifests by repository and digest.
// Content addressing makes the bytes valid for as long as the manifest
// exists; to avoid pushing back a manifest someone deleted, an entry is
// used only while the registry showed the manifest less than
// manifestCacheFresh ago. A push that finds it gone drops the entry.
type manifestCache struct {
	mu    sync.Mutex
	max   int
	fresh time.Duration // manifestCacheFresh, shorter in tests
	order []string
	items map[string]cachedManifest
}

type cachedManifest struct {
	manifest
	seen time.Time
}

func newManifestCache(n int) *manifestCache {
	return &manifestCache{max: n, fresh: manifestCacheFresh, items: map[string]cachedManifest{}}
}

func (c *manifestCache) get(repo string, d digest.Digest) (manifest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.items[repo+"@"+string(d)]
	if !ok || time.Since(m.seen) >= c.fresh {
		return manifest{}, false
	}
	return m.manifest, true
}

// confirm records that the registry has just shown manifest d.
func (c *manifestCache) confirm(repo string, d digest.Digest) {
	k := repo + "@" + string(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.items[k]; ok {
		m.seen = time.Now()
		c.items[k] = m
	}
}

func (c *manifestCache) put(repo string, m manifest) {
	k := repo + "@" + string(m.desc.Digest)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; !ok {
		c.order = append(c.order, k)
	}
	c.items[k] = cachedManifest{manifest: m, seen: time.Now()}
	for len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}

func (c *manifestCache) drop(repo string, d digest.Digest) {
	k := repo + "@" + string(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, k)
	c.order = slices.DeleteFunc(c.order, func(s string) bool { return s == k })
}
