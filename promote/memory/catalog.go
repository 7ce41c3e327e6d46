package memory

import (
	"context"
	"slices"
	"strings"
)

// catalog returns up to n repository names sorted after last, and whether
// more follow; n < 0 means all. A repository is listed once it holds a
// manifest: blobs alone, such as an upload's, do not make one appear.
func (r *Registry) catalog(ctx context.Context, last string, n int) ([]string, bool, error) {
	if err := r.begin(ctx, OpCatalog, ""); err != nil {
		return nil, false, err
	}
	r.mu.RLock()
	var names []string
	if m := r.repos.Load(); m != nil {
		for name, rp := range *m {
			if name > last && len(rp.manifests) > 0 {
				names = append(names, name)
			}
		}
	}
	r.mu.RUnlock()
	slices.SortFunc(names, strings.Compare)
	if n >= 0 && len(names) > n {
		return names[:n], true, nil
	}
	return names, false, nil
}
