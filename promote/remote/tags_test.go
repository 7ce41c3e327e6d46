package remote_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/imagetags/imagetags/promote"
	"github.com/imagetags/imagetags/promote/remote"
)

// tagServer answers tag listings with page(query) and records the queries.
type tagServer struct {
	mu      sync.Mutex
	queries []url.Values
}

func (s *tagServer) start(t *testing.T, page func(q url.Values) (tags []string, link string)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.queries = append(s.queries, r.URL.Query())
		s.mu.Unlock()
		tags, link := page(r.URL.Query())
		if link != "" {
			w.Header().Set("Link", link)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "team/app", "tags": tags})
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestTagsPaging(t *testing.T) {
	all := []string{"a", "b", "c", "d", "e"}
	after := func(last string) []string {
		i, _ := slices.BinarySearch(all, last)
		if i < len(all) && all[i] == last {
			i++
		}
		return all[i:]
	}
	tests := []struct {
		name      string
		page      func(q url.Values) ([]string, string)
		opts      []remote.Option
		limit     int
		want      []string
		wantErr   error
		errText   string
		wantQuery url.Values // the query of the second request, if checked
	}{
		{
			name:  "registry ignores n: pages are cut and continue after the last tag",
			page:  func(q url.Values) ([]string, string) { return after(q.Get("last")), "" },
			limit: 2, want: all,
			wantQuery: url.Values{"last": {"b"}, "n": {"2"}},
		},
		{
			name: "token paging like ECR: the link's query is kept",
			page: func(q url.Values) ([]string, string) {
				switch q.Get("nextToken") {
				case "":
					return all[:3], `</v2/team/app/tags/list?nextToken=opaque%2Ftoken>; rel="next"`
				case "opaque/token":
					return all[3:], ""
				}
				return nil, ""
			},
			limit: 3, want: all,
			wantQuery: url.Values{"nextToken": {"opaque/token"}, "n": {"3"}},
		},
		{
			name: "a Link that never ends stops at the page cap",
			page: func(q url.Values) ([]string, string) {
				n, _ := strconv.Atoi(q.Get("p"))
				return []string{"t" + strconv.Itoa(n)}, `</v2/team/app/tags/list?p=` + strconv.Itoa(n+1) + `>; rel="next"`
			},
			opts:  []remote.Option{remote.WithPageCap(3)},
			limit: 1, want: []string{"t0", "t1", "t2"}, wantErr: remote.ErrPageCap,
		},
		{
			name: "a Link to another host is refused",
			page: func(q url.Values) ([]string, string) {
				return all[:1], `<https://elsewhere.example/v2/team/app/tags/list?last=a>; rel="next"`
			},
			limit: 1, errText: "leaves the tag list endpoint",
		},
		{
			name: "a Link to another path is refused",
			page: func(q url.Values) ([]string, string) {
				return all[:1], `</v2/other/app/tags/list?last=a>; rel="next"`
			},
			limit: 1, errText: "leaves the tag list endpoint",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := &tagServer{}
			host := srv.start(t, tt.page)
			reg, _ := backend(t, host, tt.opts...)
			ctx := testContext(t)
			repo := ref(t, host+"/team/app")
			var got []string
			cursor := ""
			var err error
			for range 20 {
				var page promote.TagPage
				page, err = reg.Tags(ctx, repo, cursor, tt.limit)
				if err != nil {
					break
				}
				assert.LessOrEqual(t, len(page.Tags), tt.limit)
				got = append(got, page.Tags...)
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
			case tt.errText != "":
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errText)
				return
			default:
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, got)
			if tt.wantQuery != nil {
				require.GreaterOrEqual(t, len(srv.queries), 2)
				assert.Equal(t, tt.wantQuery, srv.queries[1])
			}
		})
	}
}

func TestTagsRejectsForeignCursor(t *testing.T) {
	srv := &tagServer{}
	host := srv.start(t, func(url.Values) ([]string, string) { return nil, "" })
	reg, _ := backend(t, host)
	for _, cursor := range []string{"a", "last=a", "dDEuLTEuYQ", "!!"} {
		_, err := reg.Tags(testContext(t), ref(t, host+"/team/app"), cursor, 0)
		require.Error(t, err, cursor)
		assert.Contains(t, err.Error(), "not a cursor this backend returned")
	}
	assert.Empty(t, srv.queries, "a bad cursor sends nothing")
}

func TestTagsOfEmptyRepository(t *testing.T) {
	srv := &tagServer{}
	host := srv.start(t, func(url.Values) ([]string, string) { return nil, "" })
	reg, _ := backend(t, host)
	page, err := reg.Tags(testContext(t), ref(t, host+"/team/app"), "", 0)
	require.NoError(t, err)
	assert.Equal(t, promote.TagPage{Tags: []string{}}, page)
	assert.Equal(t, []url.Values{{"n": {strconv.Itoa(remote.DefaultPageSize)}}}, srv.queries)
}
